// Compressed request bodies (`Content-Encoding`): gzip, deflate and br are decoded as they arrive,
// and the size limit applies to the decoded bytes, so a small bomb that inflates to gigabytes is
// stopped (413) after the limit instead of being inflated to the end. RudderStack's Node SDK
// gzips every batch by default; browsers can send CompressionStream output.
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { HttpError } from './http-error.ts';

export const CONTENT_ENCODINGS = ['gzip', 'deflate', 'br'] as const;
export type ContentEncoding = (typeof CONTENT_ENCODINGS)[number];

/** `x-gzip` is gzip's old name (RFC 9110 keeps it); `identity` means not encoded. */
const ALIASES: Readonly<Record<string, ContentEncoding | 'identity'>> = {
  gzip: 'gzip',
  'x-gzip': 'gzip',
  deflate: 'deflate',
  br: 'br',
  identity: 'identity',
};

/**
 * The encoding a `Content-Encoding` header names, `undefined` for none or `identity`; throws a
 * 415 naming anything else (several encodings in a row included: no client sends them).
 */
export function contentEncodingOf(header: string | undefined): ContentEncoding | undefined {
  if (header === undefined) return undefined;
  const name = header.trim().toLowerCase();
  if (name === '') return undefined;
  const known = ALIASES[name];
  if (known === undefined)
    throw new HttpError(
      415,
      'unsupported_media_type',
      `content-encoding "${header.trim().slice(0, 64)}" is not supported; use ${CONTENT_ENCODINGS.join(', ')} or none`,
    );
  return known === 'identity' ? undefined : known;
}

/** A readable of the decoded body, with `receivedEncodedLength` (bytes read) as Fastify expects. */
export type DecodedBody = Readable & { readonly receivedEncodedLength: number };

/**
 * Decodes `raw` as it arrives. More than `limit` decoded bytes end the stream with a 413 error and
 * stop the decompressor; data that is not valid for the encoding ends it with a 400. An error of
 * `raw` itself (the client went away) is passed on as is.
 */
export function decodeBody(raw: Readable, encoding: ContentEncoding, limit: number): DecodedBody {
  const decompress =
    encoding === 'gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : createBrotliDecompress();
  let encoded = 0;
  let decoded = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc, done) {
      encoded += chunk.length;
      done(null, chunk);
    },
  });
  const limited = new Transform({
    transform(chunk: Buffer, _enc, done) {
      decoded += chunk.length;
      if (decoded > limit) done(new HttpError(413, 'FST_ERR_CTP_BODY_TOO_LARGE', 'decoded body too large'));
      else done(null, chunk);
    },
  });
  Object.defineProperty(limited, 'receivedEncodedLength', { get: () => encoded });
  // A body that is never read (its request was refused first: an unknown path, a content type not
  // read here) may still fail; Fastify listens once it reads, and an unheard error must not crash.
  limited.on('error', () => {});

  raw.pipe(counted).pipe(decompress).pipe(limited);
  raw.once('error', (err) => limited.destroy(err));
  decompress.once('error', () =>
    limited.destroy(
      new HttpError(
        400,
        'invalid_encoding',
        `the body is not valid ${encoding} data (content-encoding: ${encoding})`,
      ),
    ),
  );
  // Once the body failed (too large, corrupt, aborted), nothing more is inflated.
  limited.once('close', () => {
    raw.unpipe(counted);
    counted.destroy();
    decompress.destroy();
  });
  return limited as unknown as DecodedBody;
}
