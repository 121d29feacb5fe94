import { describe, expect, it } from 'vitest';
import { EMPTY_SHA256, sha256Hex, signatureParts, canonicalQuery } from './sigv4.ts';

// The worked examples of "Signature Calculations for the Authorization Header" in the Amazon S3 API
// reference (bucket `examplebucket`, 24 May 2013, us-east-1, AWS's documented example keys).
const creds = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
const at = new Date('2013-05-24T00:00:00Z');
const host = 'examplebucket.s3.amazonaws.com';

describe('SigV4 against the AWS S3 examples', () => {
  it('GET Object with a Range header', () => {
    const parts = signatureParts(
      { method: 'GET', host, path: '/test.txt', headers: { Range: 'bytes=0-9' }, payloadHash: EMPTY_SHA256 },
      creds,
      'us-east-1',
      's3',
      at,
    );
    expect(parts.canonicalRequest).toBe(
      [
        'GET',
        '/test.txt',
        '',
        'host:examplebucket.s3.amazonaws.com',
        'range:bytes=0-9',
        `x-amz-content-sha256:${EMPTY_SHA256}`,
        'x-amz-date:20130524T000000Z',
        '',
        'host;range;x-amz-content-sha256;x-amz-date',
        EMPTY_SHA256,
      ].join('\n'),
    );
    expect(parts.stringToSign).toBe(
      'AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n' +
        '7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972',
    );
    expect(parts.signature).toBe('f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
    expect(parts.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
  });

  it('PUT Object with a body, a Date header and a key that needs encoding', () => {
    const body = 'Welcome to Amazon S3.';
    expect(sha256Hex(body)).toBe('44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072');
    const parts = signatureParts(
      {
        method: 'PUT',
        host,
        path: '/test$file.text',
        headers: { Date: 'Fri, 24 May 2013 00:00:00 GMT', 'x-amz-storage-class': 'REDUCED_REDUNDANCY' },
        payloadHash: sha256Hex(body),
      },
      creds,
      'us-east-1',
      's3',
      at,
    );
    expect(parts.canonicalRequest.split('\n')[1]).toBe('/test%24file.text');
    expect(parts.signature).toBe('98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd');
  });

  it('GET Bucket Lifecycle (a query parameter without a value)', () => {
    const parts = signatureParts(
      { method: 'GET', host, path: '/', query: [['lifecycle', '']], payloadHash: EMPTY_SHA256 },
      creds,
      'us-east-1',
      's3',
      at,
    );
    expect(parts.signature).toBe('fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543');
  });

  it('GET Bucket (List Objects) with query parameters sorted by name', () => {
    const parts = signatureParts(
      {
        method: 'GET',
        host,
        path: '/',
        query: [
          ['prefix', 'J'],
          ['max-keys', '2'],
        ],
        payloadHash: EMPTY_SHA256,
      },
      creds,
      'us-east-1',
      's3',
      at,
    );
    expect(parts.signature).toBe('34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7');
  });

  it('encodes query names and values per RFC 3986', () => {
    expect(
      canonicalQuery([
        ['b', 'x y'],
        ['a', "it's*"],
      ]),
    ).toBe('a=it%27s%2A&b=x%20y');
  });
});
