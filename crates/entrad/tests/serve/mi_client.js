// Real MSAL Node managed identity (ManagedIdentityApplication) against
// `entrad serve`, driven by tests/serve.rs. The source (App Service or IMDS)
// comes from the environment; the emulator's CA from NODE_EXTRA_CA_CERTS.
// Usage: node mi_client.js GRAPH_URL. Prints one JSON line (never the token).
"use strict";

const msal = require("@azure/msal-node");

async function main() {
  const graph = process.argv[2];
  const app = new msal.ManagedIdentityApplication({});
  const result = await app.acquireToken({ resource: "https://graph.microsoft.com" });
  const response = await fetch(`${graph.replace(/\/$/, "")}/v1.0/users`, {
    headers: { Authorization: `Bearer ${result.accessToken}` },
  });
  if (!response.ok) {
    throw new Error(`Graph answered ${response.status}`);
  }
  const body = await response.json();
  console.log(JSON.stringify({ users: body.value.length, source: app.getManagedIdentitySource() }));
}

main().catch((error) => {
  console.error(`msal-node: ${error.message}`);
  process.exit(1);
});
