# One image for every PetPro process; the process name is the argument:
#   docker run petpro gateway | auth | user | clinic | booking
FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PETPRO_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/kit/package.json packages/kit/
COPY packages/contracts/package.json packages/contracts/
COPY services/gateway/package.json services/gateway/
COPY services/auth/package.json services/auth/
COPY services/user/package.json services/user/
COPY services/clinic/package.json services/clinic/
COPY services/booking/package.json services/booking/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.base.json tsconfig.json ./
COPY packages packages
COPY services services
COPY scripts scripts
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080 4001 4002 4003 4004
ENTRYPOINT ["node", "--import", "tsx", "scripts/process.ts"]
CMD ["gateway"]
