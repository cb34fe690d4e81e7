// An error that carries its HTTP answer: the status and the `error` code of the JSON body. Thrown
// by body decoding and parsing; app.ts's error handler answers it as `{ error: code, message }`.
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
