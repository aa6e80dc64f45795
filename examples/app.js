// The example app: the tenant's invoices, kept up to date by the syncEvents subscription, and
// a "Connect to Sage" button. Plain ES modules, no build step.
import { GraphQLClient } from "./graphql-client.js";

const INVOICE_FIELDS = `
  fragment InvoiceRow on Invoice {
    id number status contactName totalAmount { amount currency }
  }`;

const LOAD = `
  query Invoices {
    invoices(first: 50) { totalCount nodes { ...InvoiceRow } }
  }
  ${INVOICE_FIELDS}`;

const CONNECTION_ONLY = `query Connection { connection { status message business { name } } }`;

const EVENTS = `
  subscription InvoiceEvents($since: String) {
    syncEvents(types: [INVOICE, CONNECTION], since: $since) {
      cursor kind objectId connectionStatus
      object { ... on Invoice { ...InvoiceRow } }
    }
  }
  ${INVOICE_FIELDS}`;

const CONNECT_LINK = `
  mutation ConnectLink($returnUrl: String) {
    createConnectLink(returnUrl: $returnUrl) { url expiresAt }
  }`;

const TOKEN_KEY = "ledgergraph-example-token";
const $ = (selector) => document.querySelector(selector);

async function main() {
  showConnectOutcome();
  const config = await (await fetch("config.json", { cache: "no-store" })).json();
  const token = config.token ?? sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    askForToken();
    return;
  }
  const client = new GraphQLClient(config.graphqlUrl, token);
  $("#connect").addEventListener("click", () => connect(client));
  await load(client);
  follow(client);
}

// Production servers hand out no token: the page asks for one (your backend mints it).
function askForToken() {
  const form = $("#token-form");
  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, form.elements.token.value.trim());
    location.reload();
  });
}

async function load(client) {
  try {
    const { connection } = await client.request(CONNECTION_ONLY);
    showConnection(connection);
    if (connection.status !== "CONNECTED") {
      renderRows([]);
      return;
    }
    const { invoices } = await client.request(LOAD);
    renderRows(invoices.nodes);
    $("#count").textContent = `${invoices.totalCount} invoices`;
  } catch (error) {
    showError(error);
  }
}

function follow(client) {
  client.subscribe(EVENTS, { since: null }, {
    // After a reconnect, replay what was missed instead of starting from "now".
    resume: (data) => ({ since: data.syncEvents.cursor }),
    onNext: ({ syncEvents: event }) => {
      if (event.kind === "CONNECTION") {
        load(client);
      } else if (event.kind === "DELETED") {
        document.querySelector(`tr[data-id="${CSS.escape(event.objectId)}"]`)?.remove();
      } else if (event.object) {
        upsertRow(event.object);
      }
    },
    onError: showError,
    onStatus: (status, detail) => {
      const live = $("#live");
      live.dataset.status = status;
      live.textContent = { live: "● live", reconnecting: "○ reconnecting…" }[status]
        ?? `✕ ${detail || "token refused"}`;
    },
  });
}

async function connect(client) {
  const button = $("#connect");
  button.disabled = true;
  try {
    let link;
    try {
      // Back to this page afterwards, when the server allows it as a return URL.
      link = await client.request(CONNECT_LINK, { returnUrl: location.href });
    } catch {
      link = await client.request(CONNECT_LINK, { returnUrl: null });
    }
    location.assign(link.createConnectLink.url);
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
}

// The connect flow sends the browser back here with connected=1&business=<id>, or
// connected=0&error=<code>&message=<text>.
function showConnectOutcome() {
  const params = new URLSearchParams(location.search);
  if (!params.has("connected")) return;
  if (params.get("connected") === "1") {
    const notice = $("#notice");
    notice.hidden = false;
    notice.textContent = "Connected to Sage.";
  } else {
    showError({ message: params.get("message") || "Not connected.", code: params.get("error") });
  }
  history.replaceState(null, "", location.pathname);
}

function showConnection(connection) {
  const status = $("#connection");
  status.dataset.status = connection.status;
  status.textContent = connection.business
    ? `${connection.business.name} · ${connection.status}`
    : connection.message || connection.status;
}

function renderRows(invoices) {
  $("#invoices tbody").replaceChildren(...invoices.map(row));
}

function upsertRow(invoice) {
  const existing = document.querySelector(`tr[data-id="${CSS.escape(invoice.id)}"]`);
  const fresh = row(invoice);
  fresh.classList.add("fresh");
  if (existing) existing.replaceWith(fresh);
  else $("#invoices tbody").prepend(fresh);
}

function row(invoice) {
  const tr = document.createElement("tr");
  tr.dataset.id = invoice.id;
  const cells = [
    ["number", invoice.number ?? "—"],
    ["status", invoice.status],
    ["contact", invoice.contactName ?? ""],
    ["total", money(invoice.totalAmount)],
  ];
  for (const [name, text] of cells) {
    const td = document.createElement("td");
    td.className = name;
    td.textContent = text;
    tr.append(td);
  }
  tr.querySelector(".status").dataset.status = invoice.status;
  return tr;
}

function money({ amount, currency }) {
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(Number(amount));
}

function showError(error) {
  const box = $("#error");
  box.hidden = false;
  box.textContent = error.code ? `${error.message} (${error.code})` : error.message;
}

main().catch(showError);
