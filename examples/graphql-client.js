// A tiny GraphQL client for the browser: queries and mutations over HTTP (fetch), and
// subscriptions over a real WebSocket speaking graphql-transport-ws
// (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md). No dependencies.

export class GraphQLError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
    this.code = errors[0]?.extensions?.code ?? null;
  }
}

export class GraphQLClient {
  // url: the /graphql endpoint (absolute or relative to the page); token: the tenant's JWT.
  constructor(url, token) {
    this.url = new URL(url, location.href);
    this.token = token;
  }

  get authorization() {
    return `Bearer ${this.token}`;
  }

  async request(query, variables = {}, headers = {}) {
    const response = await fetch(this.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
        Authorization: this.authorization,
        ...headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    if (body.errors?.length) throw new GraphQLError(body.errors);
    return body.data;
  }

  // Calls onNext(data) for every result, onStatus("live" | "reconnecting" | "refused", detail)
  // when the socket's state changes. resume(data) may return new variables to resubscribe
  // with after a reconnect (e.g. { since: lastCursor }). Returns a function that stops it.
  subscribe(query, variables, { onNext, onError, onStatus, resume }) {
    const wsUrl = new URL(this.url);
    wsUrl.protocol = wsUrl.protocol === "https:" ? "wss:" : "ws:";
    let socket = null;
    let stopped = false;
    let retry = 0;
    let current = variables;

    const open = () => {
      socket = new WebSocket(wsUrl, "graphql-transport-ws");
      socket.onopen = () => {
        // The token travels in connection_init: browsers cannot set headers on a WebSocket.
        send({ type: "connection_init", payload: { Authorization: this.authorization } });
      };
      socket.onmessage = (event) => {
        if (typeof event.data !== "string") {
          // graphql-transport-ws messages are text frames; a binary one is a server bug.
          onError?.(new Error("The server sent a binary WebSocket frame; expected text."));
          socket.close(4400, "Binary frame");
          return;
        }
        const message = JSON.parse(event.data);
        switch (message.type) {
          case "connection_ack":
            retry = 0;
            onStatus?.("live");
            send({ id: "1", type: "subscribe", payload: { query, variables: current } });
            break;
          case "next":
            if (message.payload.errors?.length) onError?.(new GraphQLError(message.payload.errors));
            if (message.payload.data) {
              current = resume?.(message.payload.data) ?? current;
              onNext(message.payload.data);
            }
            break;
          case "error":
            onError?.(new GraphQLError(message.payload));
            break;
          case "ping":
            send({ type: "pong" });
            break;
        }
      };
      socket.onclose = (event) => {
        if (stopped) return;
        // 4403: the token was refused. Retrying with the same token cannot help.
        if (event.code === 4403) {
          onStatus?.("refused", event.reason);
          return;
        }
        retry += 1;
        onStatus?.("reconnecting", event.reason);
        setTimeout(open, Math.min(10_000, 500 * 2 ** retry));
      };
    };
    const send = (message) => socket.send(JSON.stringify(message));

    open();
    return () => {
      stopped = true;
      if (socket.readyState === WebSocket.OPEN) send({ id: "1", type: "complete" });
      socket.close(1000, "Done");
    };
  }
}
