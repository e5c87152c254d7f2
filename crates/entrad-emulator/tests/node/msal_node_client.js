// Drives real MSAL Node against the entrad emulator, as a Node daemon does.
//
// Usage: node msal_node_client.js STATE_DIR MODE [TOP]
// MODE is "secret" (clientSecret), "certificate" (clientCertificate: SHA-256
// thumbprint + private key, PS256 with x5t#S256), "thumbprint" (SHA-1 thumbprint,
// RS256 with x5t) or "client_assertion" (federated-token.jwt: workload identity).
// The emulator's CA is trusted through NODE_EXTRA_CA_CERTS, set by the caller.
// Prints one JSON object summarising what happened.
"use strict";

const crypto = require("node:crypto");
const fs = require("node:fs");
const https = require("node:https");
const path = require("node:path");
const msal = require("@azure/msal-node");

function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
}

function credentialFor(mode, stateDir, parameters) {
  if (mode === "secret") {
    return { clientSecret: parameters.secret };
  }
  const privateKey = fs.readFileSync(path.join(stateDir, "app-key.pem"), "utf8");
  const certificate = new crypto.X509Certificate(fs.readFileSync(path.join(stateDir, "app-cert.pem")));
  if (mode === "certificate") {
    const thumbprintSha256 = crypto.createHash("sha256").update(certificate.raw).digest("hex");
    return { clientCertificate: { thumbprintSha256, privateKey } };
  }
  if (mode === "thumbprint") {
    const thumbprint = crypto.createHash("sha1").update(certificate.raw).digest("hex");
    return { clientCertificate: { thumbprint, privateKey } };
  }
  if (mode === "client_assertion") {
    return { clientAssertion: fs.readFileSync(path.join(stateDir, "federated-token.jwt"), "utf8").trim() };
  }
  throw new Error(`unknown mode ${mode}`);
}

function getJson(url, token) {
  return new Promise((resolve, reject) => {
    https
      .get(url, { headers: { Authorization: `Bearer ${token}` } }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode, body: JSON.parse(body) }));
      })
      .on("error", reject);
  });
}

async function listUsers(url, token, summary) {
  const ids = [];
  let pages = 0;
  summary.graph_status = 200;
  while (url) {
    const { status, body } = await getJson(url, token);
    if (status !== 200) {
      summary.graph_status = status;
      break;
    }
    pages += 1;
    ids.push(...body.value.map((user) => user.id));
    url = body["@odata.nextLink"];
  }
  Object.assign(summary, { users: ids.length, unique_users: new Set(ids).size, pages });
}

async function main() {
  const [stateDir, mode, top] = process.argv.slice(2);
  const parameters = JSON.parse(fs.readFileSync(path.join(stateDir, "parameters.json"), "utf8"));
  const authority = new URL(parameters.authority);
  const app = new msal.ConfidentialClientApplication({
    auth: {
      clientId: parameters.client_id,
      authority: parameters.authority,
      knownAuthorities: [authority.host],
      ...credentialFor(mode, stateDir, parameters),
    },
  });
  const summary = { msal_node_version: msal.version, mode };
  let result;
  try {
    result = await app.acquireTokenByClientCredential({ scopes: parameters.scope });
  } catch (error) {
    Object.assign(summary, { ok: false, error: error.errorCode, error_message: String(error.errorMessage).split("\n")[0] });
    console.log(JSON.stringify(summary));
    return;
  }
  const again = await app.acquireTokenByClientCredential({ scopes: parameters.scope });
  const claims = claimsOf(result.accessToken);
  Object.assign(summary, {
    ok: true,
    from_cache: result.fromCache,
    second_from_cache: again.fromCache,
    appidacr: claims.appidacr,
    roles: claims.roles,
    aud: claims.aud,
    tid: claims.tid,
  });
  await listUsers(parameters.endpoint + (top ? `?$top=${top}` : ""), result.accessToken, summary);
  const groups = {};
  await listUsers(parameters.endpoint.replace(/\/users$/, "/groups"), result.accessToken, groups);
  Object.assign(summary, { groups_status: groups.graph_status, groups: groups.users });
  console.log(JSON.stringify(summary));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
