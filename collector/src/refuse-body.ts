// The answer to a request body refused while it was read, decoded or parsed: the errors Fastify
// raises for it and ours (HttpError, from decode-body.ts and parse-body.ts), with the reason they
// are counted under (`collector_requests_rejected_total`).
import { HttpError } from './http-error.ts';
import type { RequestRejectReason } from './metrics.ts';
import { BODY_CONTENT_TYPES } from './parse-body.ts';

const REASONS: Readonly<Record<string, RequestRejectReason>> = {
  invalid_json: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  invalid_utf8: 'invalid_utf8',
  invalid_encoding: 'invalid_encoding',
  unsupported_media_type: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'too_large',
};

export interface Refusal {
  readonly reason: RequestRejectReason;
  readonly status: number;
  readonly body: { readonly error: string; readonly message: string };
}

/** The refusal `err` stands for, or undefined when it is not about the body. */
export function bodyRefusal(
  err: Error & { code?: string },
  contentType: string | undefined,
  maxBytes: number,
): Refusal | undefined {
  const reason = err.code === undefined ? undefined : REASONS[err.code];
  if (reason === undefined) return undefined;
  const refuse = (status: number, error: string, message: string) => ({
    reason,
    status,
    body: { error, message },
  });
  if (reason === 'too_large')
    return refuse(413, 'too_large', `a request body may be at most ${maxBytes} bytes`);
  if (err instanceof HttpError) return refuse(err.statusCode, err.code, err.message);
  // Fastify's own codes.
  if (reason === 'unsupported_media_type')
    return refuse(
      415,
      'unsupported_media_type',
      `content-type "${(contentType ?? '').slice(0, 100)}" is not read here; send JSON as ${BODY_CONTENT_TYPES.join(', ')}`,
    );
  return refuse(400, 'invalid_json', 'the body is not valid JSON');
}
