#!/usr/bin/env node
// Compatibility check of the official NATS Node.js client (nats.js, npm package "nats") against a
// NATS server.
//
//   node compat.js URL [RESTART_CMD]
//   node compat.js auth URL NAME EXPECT KIND [ARG...]
//
// Prints one "PASS name" / "FAIL name: why" / "SKIP name: why" line per check and exits 1 if any
// check failed. RESTART_CMD, when given, is a shell command that stops the server and starts it
// again on the same port; the reconnect check runs only then.
//
// The auth form runs one authentication check (see auth() below).
"use strict";

const { connect, headers, ErrorCode, Events, nkeyAuthenticator, credsAuthenticator } = require("nats");
const { exec } = require("node:child_process");
const { readFileSync } = require("node:fs");
const { promisify } = require("node:util");

const authMode = process.argv[2] === "auth";
const args = process.argv.slice(authMode ? 3 : 2);
const url = args[0];
const restartCmd = authMode ? undefined : args[1];
if (!url) {
  console.error("usage: node compat.js URL [RESTART_CMD] | node compat.js auth URL NAME EXPECT KIND [ARG...]");
  process.exit(2);
}

let passed = 0;
let failed = 0;
const pass = (name) => {
  console.log(`PASS ${name}`);
  passed++;
};
const fail = (name, why) => {
  console.log(`FAIL ${name}: ${why}`);
  failed++;
};

const enc = new TextEncoder();
const dec = new TextDecoder();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Connections give up quickly if the server is gone, so no check can hang.
const open = (extra = {}) =>
  connect({ servers: url, timeout: 5000, maxReconnectAttempts: 0, reconnectTimeWait: 100, ...extra });

// A callback subscription that keeps every message it gets.
function collect(nc, subject, opts = {}) {
  const msgs = [];
  const sub = nc.subscribe(subject, { ...opts, callback: (err, m) => !err && msgs.push(m) });
  return { sub, msgs };
}

// Waits until `cond` holds or `ms` pass; returns whether it held.
async function until(cond, ms) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

async function check(name, fn) {
  try {
    await fn();
  } catch (e) {
    fail(name, `${e && e.code ? e.code + " " : ""}${e && e.message ? e.message : e}`);
  }
}

async function main() {
  console.log(`# nats.js ${require("nats/package.json").version} against ${url}`);
  let sc, pc;
  try {
    sc = await open();
    pc = await open();
  } catch (e) {
    fail("connect", e.message);
    return;
  }

  await check("connect", async () => {
    const info = pc.info;
    if (!info || !info.server_id) return fail("connect", "no server_id in INFO");
    if (!(info.max_payload > 0)) return fail("connect", `max_payload ${info.max_payload}`);
    pass("connect");
  });

  await check("pub_sub", async () => {
    const { sub, msgs } = collect(sc, "compat.ps");
    await sc.flush();
    for (let i = 0; i < 10; i++) pc.publish("compat.ps", enc.encode(`m${i}`));
    await pc.flush();
    await until(() => msgs.length >= 10, 2000);
    sub.unsubscribe();
    const got = msgs.map((m) => dec.decode(m.data)).join(",");
    const want = [...Array(10).keys()].map((i) => `m${i}`).join(",");
    if (got !== want) return fail("pub_sub", `got [${got}], want [${want}]`);
    pass("pub_sub");
  });

  const wildcard = async (name, filter, pubs, want) => {
    const { sub, msgs } = collect(sc, filter);
    await sc.flush();
    for (const s of pubs) pc.publish(s, enc.encode("x"));
    await pc.flush();
    await until(() => msgs.length >= want.length, 2000);
    await sleep(200); // anything that should not have matched has time to arrive
    sub.unsubscribe();
    const got = msgs.map((m) => m.subject).join(",");
    if (got !== want.join(",")) return fail(name, `filter ${filter}: got [${got}], want [${want}]`);
    pass(name);
  };
  await check("wildcard_star", () =>
    wildcard(
      "wildcard_star",
      "compat.w.*.x",
      ["compat.w.1.x", "compat.w.2.x", "compat.w.1.y", "compat.w.1.2.x", "compat.w.x"],
      ["compat.w.1.x", "compat.w.2.x"],
    ),
  );
  await check("wildcard_gt", () =>
    wildcard(
      "wildcard_gt",
      "compat.g.>",
      ["compat.g.a", "compat.g.a.b.c", "compat.g", "other.g.a"],
      ["compat.g.a", "compat.g.a.b.c"],
    ),
  );

  await check("queue_group", async () => {
    const N = 300;
    const members = [0, 1, 2].map(() => collect(sc, "compat.q", { queue: "workers" }));
    const plain = collect(sc, "compat.q");
    await sc.flush();
    for (let i = 0; i < N; i++) pc.publish("compat.q", enc.encode(String(i)));
    await pc.flush();
    const total = () => members.reduce((n, m) => n + m.msgs.length, 0);
    await until(() => total() >= N && plain.msgs.length >= N, 3000);
    await sleep(200);
    const seen = new Map();
    for (const m of members) for (const msg of m.msgs) {
      const v = dec.decode(msg.data);
      seen.set(v, (seen.get(v) || 0) + 1);
    }
    const dup = [...seen.values()].filter((c) => c > 1).length;
    const missing = N - seen.size;
    const per = members.map((m) => m.msgs.length);
    members.forEach((m) => m.sub.unsubscribe());
    plain.sub.unsubscribe();
    if (dup || missing || plain.msgs.length !== N) {
      return fail("queue_group", `duplicates ${dup}, missing ${missing}, plain subscriber got ${plain.msgs.length} of ${N}`);
    }
    if (per.includes(N)) return fail("queue_group", `one member got all ${N} messages (${per.join("/")})`);
    pass("queue_group");
  });

  await check("request_reply", async () => {
    const sub = sc.subscribe("compat.svc", {
      callback: (err, m) => {
        if (!err) m.respond(enc.encode(`re:${dec.decode(m.data)}`));
      },
    });
    await sc.flush();
    for (let i = 0; i < 5; i++) {
      const r = await pc.request("compat.svc", enc.encode(`q${i}`), { timeout: 2000 });
      if (dec.decode(r.data) !== `re:q${i}`) {
        sub.unsubscribe();
        return fail("request_reply", `reply ${i}: got '${dec.decode(r.data)}'`);
      }
    }
    sub.unsubscribe();
    pass("request_reply");
  });

  await check("headers", async () => {
    const { sub, msgs } = collect(sc, "compat.hdr");
    await sc.flush();
    const h = headers();
    h.set("X-Compat", "one");
    h.append("X-Multi", "a");
    h.append("X-Multi", "b c");
    pc.publish("compat.hdr", enc.encode("body"), { headers: h });
    await pc.flush();
    await until(() => msgs.length >= 1, 2000);
    sub.unsubscribe();
    if (msgs.length !== 1) return fail("headers", `got ${msgs.length} messages`);
    const m = msgs[0];
    if (!m.headers) return fail("headers", "message has no headers");
    if (m.headers.get("X-Compat") !== "one") return fail("headers", `X-Compat: got '${m.headers.get("X-Compat")}'`);
    const multi = m.headers.values("X-Multi");
    if (multi.join("|") !== "a|b c") return fail("headers", `X-Multi: got [${multi.join("|")}]`);
    if (dec.decode(m.data) !== "body") return fail("headers", `body: got '${dec.decode(m.data)}'`);
    pass("headers");
  });

  await check("no_responders", async () => {
    const t0 = Date.now();
    try {
      await pc.request("compat.nobody.home", enc.encode("hello"), { timeout: 5000 });
      fail("no_responders", "request got a reply");
    } catch (e) {
      const took = Date.now() - t0;
      if (e.code !== ErrorCode.NoResponders) return fail("no_responders", `got ${e.code} after ${took} ms, want ${ErrorCode.NoResponders}`);
      if (took > 2000) return fail("no_responders", `no-responders took ${took} ms`);
      pass("no_responders");
    }
  });

  await check("payload_1mib", async () => {
    const size = 1024 * 1024;
    if (pc.info.max_payload < size) return fail("payload_1mib", `server max_payload ${pc.info.max_payload} < 1 MiB`);
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 31 + Math.floor(i / 7)) & 0xff;
    const { sub, msgs } = collect(sc, "compat.big");
    await sc.flush();
    pc.publish("compat.big", data);
    await pc.flush();
    await until(() => msgs.length >= 1, 5000);
    sub.unsubscribe();
    if (msgs.length !== 1) return fail("payload_1mib", `got ${msgs.length} messages`);
    const got = msgs[0].data;
    if (got.length !== size || Buffer.compare(Buffer.from(got), Buffer.from(data)) !== 0) {
      return fail("payload_1mib", `payload differs (length ${got.length})`);
    }
    pass("payload_1mib");
  });

  await check("max_payload_refused", async () => {
    const size = pc.info.max_payload + 1;
    try {
      pc.publish("compat.toobig", new Uint8Array(size));
      return fail("max_payload_refused", `publish of ${size} bytes was accepted by the client`);
    } catch (e) {
      if (e.code !== ErrorCode.MaxPayloadExceeded) return fail("max_payload_refused", `got ${e.code}, want ${ErrorCode.MaxPayloadExceeded}`);
    }
    // Refused by the client before it reached the wire: the connection must still be usable.
    await pc.flush();
    if (pc.isClosed()) return fail("max_payload_refused", "connection closed after refusal");
    pass("max_payload_refused");
  });

  await check("flush", async () => {
    await pc.flush();
    const rtt = await pc.rtt();
    if (!(rtt >= 0)) return fail("flush", `rtt ${rtt}`);
    pass("flush");
  });

  // A connection made with noEcho gets no copy of its own messages; others' messages still arrive.
  await check("no_echo", async () => {
    const nc = await open({ noEcho: true });
    const { msgs } = collect(nc, "compat.echo");
    await nc.flush();
    nc.publish("compat.echo", enc.encode("own"));
    await nc.flush();
    pc.publish("compat.echo", enc.encode("other"));
    await pc.flush();
    await until(() => msgs.length >= 1, 2000);
    await sleep(500);
    await nc.close();
    const got = msgs.map((m) => dec.decode(m.data));
    if (got.includes("own")) return fail("no_echo", "the noEcho connection got its own message back");
    if (got.join(",") !== "other") return fail("no_echo", `got [${got}], want [other]`);
    pass("no_echo");
  });

  await sc.close();
  await pc.close();

  await check("drain", async () => {
    const N = 200;
    const nc = await open();
    const p = await open();
    let count = 0;
    const sub = nc.subscribe("compat.drain");
    const done = (async () => {
      for await (const m of sub) {
        void m;
        await sleep(1); // slow consumer: messages are still pending when the drain starts
        count++;
      }
    })();
    await nc.flush();
    for (let i = 0; i < N; i++) p.publish("compat.drain", enc.encode("d"));
    await p.flush();
    await nc.flush(); // every message has reached the client before the drain
    await sub.drain();
    await Promise.race([done, sleep(5000)]);
    await p.close();
    if (count !== N) {
      await nc.close();
      return fail("drain", `subscription drain delivered ${count} of ${N}`);
    }
    await nc.drain();
    const closed = await Promise.race([nc.closed().then(() => true), sleep(5000).then(() => false)]);
    if (!closed) return fail("drain", "connection not closed 5 s after drain");
    pass("drain");
  });

  if (!restartCmd) {
    console.log("SKIP reconnect: no restart command given");
  } else {
    await check("reconnect", async () => {
      const nc = await open({ maxReconnectAttempts: 600 }); // 600 x 100 ms: one minute
      let reconnects = 0;
      (async () => {
        for await (const s of nc.status()) if (s.type === Events.Reconnect) reconnects++;
      })();
      const { msgs } = collect(nc, "compat.rc");
      await nc.flush();
      await promisify(exec)(restartCmd, { shell: "/bin/sh" }).catch((e) => {
        throw new Error(`restart command failed: ${e.message}`);
      });
      if (!(await until(() => reconnects > 0, 30000))) {
        await nc.close();
        return fail("reconnect", "no reconnect within 30 s of the restart");
      }
      // The subscription must have been re-sent to the new server.
      nc.publish("compat.rc", enc.encode("after"));
      await nc.flush();
      await until(() => msgs.length >= 1, 3000);
      await nc.close();
      if (msgs.length !== 1) return fail("reconnect", `got ${msgs.length} messages after reconnect`);
      pass("reconnect");
    });
  }
}

// One authentication check: connect to URL with the credential KIND ARG... and expect
//   ok      the connection is accepted and a message makes a round trip through the server;
//   denied  the connection is refused with the server's "Authorization Violation";
//   refused the connection fails (e.g. a TLS handshake the server rejects); the error is printed;
//   reconnect as ok, but between subscribing and publishing the shell command in $COMPAT_RESTART_CMD
//           restarts the server: the client must reconnect (authenticating again) within 30 s.
// KIND: none | user USER PASSWORD | token TOKEN | nkey PUBLIC_KEY SEED_FILE | creds CREDS_FILE
//       | tls CA_FILE [CERT_FILE KEY_FILE]   (TLS, trusting CA_FILE; with a client certificate when given)
async function auth() {
  const [, name, expect, kind, ...a] = args;
  const reconnect = expect === "reconnect";
  const restart = process.env.COMPAT_RESTART_CMD;
  if (reconnect && !restart) throw new Error("reconnect needs COMPAT_RESTART_CMD");
  const opts = reconnect
    ? { servers: url, timeout: 5000, maxReconnectAttempts: 600, reconnectTimeWait: 100 } // one minute
    : { servers: url, timeout: 5000, maxReconnectAttempts: 0, reconnect: false };
  if (kind === "user" && a.length === 2) Object.assign(opts, { user: a[0], pass: a[1] });
  else if (kind === "token" && a.length === 1) opts.token = a[0];
  else if (kind === "nkey" && a.length === 2) {
    opts.authenticator = nkeyAuthenticator(enc.encode(readFileSync(a[1], "utf8").trim()));
  } else if (kind === "creds" && a.length === 1) opts.authenticator = credsAuthenticator(readFileSync(a[0]));
  else if (kind === "tls" && a.length === 3) opts.tls = { caFile: a[0], certFile: a[1], keyFile: a[2] };
  else if (kind === "tls" && a.length === 1) opts.tls = { caFile: a[0] };
  else if (kind !== "none" || a.length !== 0) throw new Error(`unknown credential kind or wrong argument count: ${kind}`);
  let nc;
  try {
    nc = await connect(opts);
  } catch (e) {
    const text = `${e && e.code ? e.code + ": " : ""}${e && e.message ? e.message : e}`;
    if (expect === "ok" || reconnect) return fail(name, `connect refused: ${text}`);
    if (expect === "denied" && !/authorization violation/i.test(text)) {
      return fail(name, `refused, but not with Authorization Violation: ${text}`);
    }
    console.log(`PASS ${name}: refused: ${text}`);
    passed++;
    return;
  }
  try {
    if (expect !== "ok" && !reconnect) return fail(name, "connected with a wrong credential");
    let reconnects = 0;
    (async () => {
      for await (const s of nc.status()) if (s.type === Events.Reconnect) reconnects++;
    })();
    const { msgs } = collect(nc, "compat.auth");
    await nc.flush();
    if (reconnect) {
      await promisify(exec)(restart, { shell: "/bin/sh" }).catch((e) => {
        throw new Error(`restart command failed: ${e.message}`);
      });
      if (!(await until(() => reconnects > 0, 30000))) return fail(name, "no reconnect within 30 s of the restart");
    }
    nc.publish("compat.auth", enc.encode("hello"));
    await until(() => msgs.length >= 1, 3000);
    if (msgs.length !== 1) return fail(name, `connected, but ${msgs.length} messages made the round trip`);
    if (dec.decode(msgs[0].data) !== "hello") return fail(name, `round trip payload ${dec.decode(msgs[0].data)}`);
    pass(name);
  } finally {
    await nc.close();
  }
}

(authMode ? auth() : main())
  .catch((e) => fail("unexpected", e.stack || String(e)))
  .finally(() => {
    if (!authMode) console.log(`node: ${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
  });
