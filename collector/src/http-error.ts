// An error that carries its HTTP answer: the status and the `error` code of the JSON body. Thrown
// by body decoding and parsing; app.ts's error handler answers it as `{ error: code, message }`.
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly statusCode: number;
  readonly code: string;
  // Plain fields, not parameter properties: the images run the sources with Node's type stripping.
  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.statusCode = statusCode;
    this.code = code;
  }
}
