// JetStream checks with nats.js's JetStream API (npm "nats" 2.29), run by JetStreamClientInteropTest against
// nats4j or nats-server -js. Prints "PASS name" / "FAIL name: why" per check and exits 1 on any failure.
// Usage: node js_interop.js URL   (with NODE_PATH pointing at a node_modules that holds "nats")
"use strict";
const {
  connect, StringCodec, AckPolicy, StorageType, consumerOpts, createInbox,
} = require("nats");

const sc = StringCodec();
let failed = 0;

async function check(name, f) {
  try {
    await f();
    console.log(`PASS ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.message ? e.message : e}`);
  }
}

function assert(cond, msg) {
  if (!cond) {
    throw new Error(msg);
  }
}

async function main() {
  const nc = await connect({ servers: process.argv[2], timeout: 5000 });
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();

  await check("stream_create", async () => {
    const si = await jsm.streams.add({ name: "NJS", subjects: ["njs.>"], storage: StorageType.File });
    assert(si.config.name === "NJS" && si.config.max_msgs === -1, `config ${JSON.stringify(si.config)}`);
  });

  await check("publish", async () => {
    for (let i = 1; i <= 10; i++) {
      const pa = await js.publish("njs.a", sc.encode(`m${i}`));
      assert(pa.stream === "NJS" && pa.seq === i, `ack ${JSON.stringify(pa)}`);
    }
    const first = await js.publish("njs.b", sc.encode("dup"), { msgID: "id-1" });
    const again = await js.publish("njs.b", sc.encode("dup"), { msgID: "id-1" });
    assert(again.duplicate && again.seq === first.seq, `duplicate ${JSON.stringify(again)}`);
    let refused = false;
    try {
      await js.publish("njs.b", sc.encode("x"), { expect: { lastSequence: 1 } });
    } catch (e) {
      refused = true;
    }
    assert(refused, "expected last sequence 1 accepted");
  });

  await check("publish_async", async () => {
    const acks = [];
    for (let i = 0; i < 100; i++) {
      acks.push(js.publish("njs.c", sc.encode("async")));
    }
    await Promise.all(acks);
    const si = await jsm.streams.info("NJS");
    assert(si.state.messages === 111, `stream has ${si.state.messages} messages`);
  });

  await check("get_msg", async () => {
    const m = await jsm.streams.getMessage("NJS", { seq: 3 });
    assert(m.subject === "njs.a" && sc.decode(m.data) === "m3", `got ${m.subject}`);
    const last = await jsm.streams.getMessage("NJS", { last_by_subj: "njs.b" });
    assert(sc.decode(last.data) === "dup", "last by subject");
  });

  await check("pull_consumer", async () => {
    await jsm.consumers.add("NJS", { durable_name: "pull", ack_policy: AckPolicy.Explicit, filter_subject: "njs.a" });
    const c = await js.consumers.get("NJS", "pull");
    let got = 0;
    while (got < 10) {
      const iter = await c.fetch({ max_messages: 4, expires: 3000 });
      for await (const m of iter) {
        got++;
        assert(sc.decode(m.data) === `m${got}`, `message ${got} is ${sc.decode(m.data)}`);
        assert(await m.ackAck(), "ack not confirmed");
      }
    }
    const ci = await jsm.consumers.info("NJS", "pull");
    assert(ci.num_ack_pending === 0 && ci.ack_floor.consumer_seq === 10 && ci.num_pending === 0,
      `consumer info ${JSON.stringify(ci)}`);
  });

  await check("push_consumer", async () => {
    const opts = consumerOpts();
    opts.durable("push");
    opts.deliverTo(createInbox());
    opts.ackExplicit();
    opts.deliverAll();
    opts.filterSubject("njs.a");
    const sub = await js.subscribe("njs.a", opts);
    let n = 0;
    const timer = setTimeout(() => sub.unsubscribe(), 5000);
    for await (const m of sub) {
      n++;
      assert(m.info.streamSequence === n && m.info.redeliveryCount === 1, `info ${JSON.stringify(m.info)}`);
      m.ack();
      if (n === 10) {
        break;
      }
    }
    clearTimeout(timer);
    assert(n === 10, `push got ${n}`);
  });

  await check("ordered_consumer", async () => {
    const oc = await js.consumers.get("NJS");
    const iter = await oc.consume();
    let last = 0;
    let n = 0;
    const timer = setTimeout(() => iter.stop(), 5000);
    for await (const m of iter) {
      assert(m.seq > last, `out of order ${m.seq} after ${last}`);
      last = m.seq;
      if (++n === 111) {
        break;
      }
    }
    clearTimeout(timer);
    assert(n === 111, `ordered got ${n}`);
  });

  await check("key_value", async () => {
    const kv = await js.views.kv("njskv", { history: 5 });
    const w = await kv.watch();
    const seen = (async () => {
      let n = 0;
      for await (const e of w) {
        if (++n === 5) {
          return n;
        }
      }
      return n;
    })();
    await kv.put("a", sc.encode("1"));
    await kv.put("a", sc.encode("2"));
    await kv.put("b.c", sc.encode("3"));
    const e = await kv.get("a");
    assert(sc.decode(e.value) === "2" && e.revision === 2, `get a rev ${e.revision}`);
    let refused = false;
    try {
      await kv.create("a", sc.encode("x"));
    } catch (err) {
      refused = true;
    }
    assert(refused, "create of an existing key accepted");
    await kv.update("a", sc.encode("3"), 2);
    const hist = [];
    for await (const h of await kv.history({ key: "a" })) {
      hist.push(h);
    }
    assert(hist.length === 3, `history has ${hist.length}`);
    await kv.delete("b.c");
    const gone = await kv.get("b.c");
    assert(gone === null || gone.operation === "DEL", "deleted key still there");
    const keys = [];
    for await (const k of await kv.keys()) {
      keys.push(k);
    }
    assert(keys.length === 1 && keys[0] === "a", `keys ${keys}`);
    const timer = setTimeout(() => w.stop(), 3000);
    assert((await seen) === 5, "watcher missed updates");
    clearTimeout(timer);
    w.stop();
    await kv.destroy();
  });

  await check("object_store", async () => {
    const os = await js.views.os("njsobj");
    const data = new Uint8Array(300 * 1024 + 17);
    for (let i = 0; i < data.length; i++) {
      data[i] = (i * 7) & 0xff;
    }
    const info = await os.putBlob({ name: "file.bin" }, data);
    assert(info.size === data.length && info.chunks >= 2, `info ${JSON.stringify(info)}`);
    const got = await os.getBlob("file.bin");
    assert(got && got.length === data.length && got.every((b, i) => b === data[i]), "object differs");
    await os.putBlob({ name: "small" }, sc.encode("hi"));
    const list = await os.list();
    assert(list.length === 2, `list has ${list.length}`);
    await os.delete("file.bin");
    assert((await os.getBlob("file.bin")) === null, "deleted object still readable");
    await os.destroy();
  });

  await check("stream_delete", async () => {
    await jsm.streams.delete("NJS");
    let missing = false;
    try {
      await jsm.streams.info("NJS");
    } catch (e) {
      missing = /stream not found/.test(e.message);
    }
    assert(missing, "stream still there");
  });

  await nc.close();
  console.log(`node: ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAIL main: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
});
