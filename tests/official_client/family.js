// The official TypeScript client (@superoffice/webapi, pinned in package-lock.json) driving
// the six UserGroup calls of the User agent, as an integrator would. tests/official_client.rs
// runs it against the embedded reference server and judges what it prints: one JSON object,
// each step's result (`value`, as the client hands it back) or its error (`error`).
//
// Usage: node family.js <base-url>   with SOCONF_CLIENT_AUTH=basic|ticket|bearer and
// SOCONF_CLIENT_SECRET (user:password, the ticket or the token). The secret is never printed.
"use strict";

const { WebApi } = require("@superoffice/webapi");

function connect(baseUrl, mode, secret) {
  const api = new WebApi(baseUrl);
  if (mode === "basic") {
    const colon = secret.indexOf(":");
    api.authenticateWithPassword(secret.slice(0, colon), secret.slice(colon + 1));
  } else if (mode === "ticket") {
    api.authenticateWithTicket(secret);
  } else if (mode === "bearer") {
    api.authenticateWithToken(secret);
  } else {
    throw new Error(`SOCONF_CLIENT_AUTH: unknown mode ${JSON.stringify(mode)}`);
  }
  return api.getUserAgent();
}

// What a rejected call leaves: the HTTP status and body, never the request's headers.
function describe(err) {
  const response = err && err.response;
  return {
    message: String((err && err.message) || err),
    status: response ? response.status : null,
    data: response ? response.data : null,
  };
}

async function main() {
  const [baseUrl] = process.argv.slice(2);
  const mode = process.env.SOCONF_CLIENT_AUTH || "basic";
  const secret = process.env.SOCONF_CLIENT_SECRET || "";
  const ua = connect(baseUrl, mode, secret);
  const out = {};
  // Runs one step; a step whose inputs failed records why it did not run.
  const step = async (name, needs, call) => {
    const missing = needs.filter((n) => !out[n] || "error" in out[n] || "skipped" in out[n]);
    if (missing.length > 0) {
      out[name] = { skipped: `needs ${missing.join(", ")}` };
      return;
    }
    try {
      const value = await call();
      out[name] = { value: value === undefined ? null : value };
    } catch (err) {
      out[name] = { error: describe(err) };
    }
  };
  const id = (n) => out[n].value.id;
  const tag = `soconform-client-${process.pid}`;

  await step("create", [], () => ua.createUserGroupAsync());
  await step("save_a", ["create"], () =>
    ua.saveUserGroupAsync({ ...out.create.value, value: `${tag}-a`, tooltip: "soconform official client" }));
  await step("save_b", ["create"], () =>
    ua.saveUserGroupAsync({ ...out.create.value, value: `${tag}-b`, tooltip: "soconform official client" }));
  await step("get_a", ["save_a"], () => ua.getUserGroupAsync(id("save_a")));
  await step("get_all", ["save_a", "save_b"], () => ua.getAllUserGroupsAsync(true));
  await step("list", ["save_a", "save_b"], () => ua.getUserGroupListAsync([id("save_a"), id("save_b")]));
  await step("update_a", ["get_a"], () =>
    ua.saveUserGroupAsync({ ...out.get_a.value, tooltip: "soconform official client, updated" }));
  await step("delete_a", ["save_a", "save_b"], () => ua.deleteUserGroupAsync(id("save_a"), id("save_b")));
  await step("list_after_delete", ["delete_a"], () =>
    ua.getUserGroupListAsync([id("save_a"), id("save_b")]));
  await step("get_deleted", ["delete_a"], () => ua.getUserGroupAsync(id("save_a")));
  // The suite leaves no group of its own active: the one left is marked Deleted.
  await step("mark_b_deleted", ["save_b"], () => ua.saveUserGroupAsync({ ...out.save_b.value, deleted: true }));
  await step("get_b", ["mark_b_deleted"], () => ua.getUserGroupAsync(id("save_b")));
  process.stdout.write(JSON.stringify({ tag, steps: out }) + "\n");
}

main().catch((err) => {
  process.stderr.write(`family.js: ${describe(err).message}\n`);
  process.exit(1);
});
