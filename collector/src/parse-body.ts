// How request bodies become JSON values, for the content types real clients send:
//   application/json                   Segment's server libraries, RudderStack with gzip off
//   text/plain                         browsers: beacons and analytics-next (no CORS preflight)
//   application/x-www-form-urlencoded  RudderStack's Node SDK: axios's default for its gzipped
//                                      JSON, so the body is JSON all the same (form fields are not)
// Any other content type is a 415 (Fastify's). JSON is UTF-8 (RFC 8259): another `charset` is a
// 415 naming it, and bytes that are not UTF-8 are a 400 (`invalid_utf8`) instead of being replaced
// with U+FFFD, which would silently change ids such as `messageId`. `__proto__` and
// `constructor.prototype` keys are refused (secure-json-parse, Fastify's JSON parser).
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from './http-error.ts';

export const BODY_CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-www-form-urlencoded'];
const FORM = 'application/x-www-form-urlencoded';
const UTF8 = new Set(['utf-8', 'utf8']);

/** The `charset` parameter of a Content-Type header, lower case and unquoted; undefined if none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq === -1 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    return param
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
  }
  return undefined;
}

const invalidJson = (contentType: string | undefined) =>
  new HttpError(
    400,
    'invalid_json',
    contentType?.toLowerCase().startsWith(FORM)
      ? 'the body is not valid JSON (a form-urlencoded body must hold JSON, as RudderStack sends it; form fields are not read)'
      : 'the body is not valid JSON',
  );

/** Replaces Fastify's body parsers with the one JSON parser for the accepted content types. */
export function registerBodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    BODY_CONTENT_TYPES,
    { parseAs: 'buffer' },
    (req: FastifyRequest, body: Buffer | string, done) => {
      const contentType = req.headers['content-type'];
      const charset = charsetOf(contentType);
      if (charset !== undefined && !UTF8.has(charset)) {
        done(
          new HttpError(
            415,
            'unsupported_media_type',
            `charset "${charset.slice(0, 64)}" is not supported; JSON bodies must be UTF-8`,
          ),
          undefined,
        );
        return;
      }
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      if (!isUtf8(bytes)) {
        done(new HttpError(400, 'invalid_utf8', 'the body is not valid UTF-8'), undefined);
        return;
      }
      parseJson(req, bytes.toString('utf8'), (err, value) => {
        if (err) done(invalidJson(contentType), undefined);
        else done(null, value);
      });
    },
  );
}
