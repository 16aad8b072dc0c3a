/** A request/reply pair on one subject. */
export interface Rpc<Req, Res> {
  request: Req;
  response: Res;
}

/** A fire-and-forget domain event on one subject. */
export interface DomainEvent<Payload> {
  payload: Payload;
}
