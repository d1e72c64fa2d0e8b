// JetStream checks with nats.go's JetStream API (the JetStreamContext of nats.go 1.22), run by
// JetStreamClientInteropTest against nats4j or nats-server -js. Prints "PASS name" / "FAIL name: why" per
// check and exits 1 on any failure. Usage: js_interop URL
package main

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/nats-io/nats.go"
)

var failed = 0

func check(name string, f func() error) {
	if err := f(); err != nil {
		failed++
		fmt.Printf("FAIL %s: %v\n", name, err)
		return
	}
	fmt.Printf("PASS %s\n", name)
}

func main() {
	nc, err := nats.Connect(os.Args[1], nats.Timeout(5*time.Second))
	if err != nil {
		fmt.Printf("FAIL connect: %v\n", err)
		os.Exit(1)
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.MaxWait(5 * time.Second))
	if err != nil {
		fmt.Printf("FAIL jetstream: %v\n", err)
		os.Exit(1)
	}

	check("stream_create", func() error {
		si, err := js.AddStream(&nats.StreamConfig{Name: "GO", Subjects: []string{"go.>"}, Storage: nats.FileStorage})
		if err != nil {
			return err
		}
		if si.Config.Name != "GO" || si.Config.Retention != nats.LimitsPolicy || si.Config.MaxMsgs != -1 {
			return fmt.Errorf("unexpected config %+v", si.Config)
		}
		return nil
	})

	check("publish", func() error {
		for i := 1; i <= 10; i++ {
			ack, err := js.Publish("go.a", []byte(fmt.Sprintf("m%d", i)))
			if err != nil {
				return err
			}
			if ack.Stream != "GO" || ack.Sequence != uint64(i) {
				return fmt.Errorf("ack %+v", ack)
			}
		}
		ack, err := js.Publish("go.b", []byte("dup"), nats.MsgId("id-1"))
		if err != nil {
			return err
		}
		again, err := js.Publish("go.b", []byte("dup"), nats.MsgId("id-1"))
		if err != nil {
			return err
		}
		if !again.Duplicate || again.Sequence != ack.Sequence {
			return fmt.Errorf("duplicate not detected: %+v", again)
		}
		_, err = js.Publish("go.b", []byte("x"), nats.ExpectLastSequence(1))
		if err == nil {
			return fmt.Errorf("expected last sequence 1 accepted")
		}
		return nil
	})

	check("publish_async", func() error {
		var futures []nats.PubAckFuture
		for i := 0; i < 100; i++ {
			f, err := js.PublishAsync("go.c", []byte("async"))
			if err != nil {
				return err
			}
			futures = append(futures, f)
		}
		select {
		case <-js.PublishAsyncComplete():
		case <-time.After(10 * time.Second):
			return fmt.Errorf("async publishes not acknowledged")
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return err
			}
		}
		si, err := js.StreamInfo("GO")
		if err != nil {
			return err
		}
		if si.State.Msgs != 111 {
			return fmt.Errorf("stream has %d messages, want 111", si.State.Msgs)
		}
		return nil
	})

	check("get_msg", func() error {
		m, err := js.GetMsg("GO", 3)
		if err != nil {
			return err
		}
		if m.Subject != "go.a" || string(m.Data) != "m3" {
			return fmt.Errorf("got %s %q", m.Subject, m.Data)
		}
		last, err := js.GetLastMsg("GO", "go.b")
		if err != nil {
			return err
		}
		if string(last.Data) != "dup" {
			return fmt.Errorf("last %q", last.Data)
		}
		return nil
	})

	check("pull_consumer", func() error {
		sub, err := js.PullSubscribe("go.a", "pull", nats.AckExplicit())
		if err != nil {
			return err
		}
		got := 0
		for got < 10 {
			msgs, err := sub.Fetch(4, nats.MaxWait(3*time.Second))
			if err != nil {
				return err
			}
			for _, m := range msgs {
				got++
				if string(m.Data) != fmt.Sprintf("m%d", got) {
					return fmt.Errorf("message %d is %q", got, m.Data)
				}
				if err := m.AckSync(); err != nil {
					return err
				}
			}
		}
		ci, err := js.ConsumerInfo("GO", "pull")
		if err != nil {
			return err
		}
		if ci.NumAckPending != 0 || ci.AckFloor.Consumer != 10 || ci.NumPending != 0 {
			return fmt.Errorf("consumer info %+v", ci)
		}
		_, err = sub.Fetch(1, nats.MaxWait(500*time.Millisecond))
		if err != nats.ErrTimeout {
			return fmt.Errorf("empty fetch: %v", err)
		}
		return nil
	})

	check("push_consumer", func() error {
		sub, err := js.SubscribeSync("go.a", nats.Durable("push"), nats.DeliverAll(), nats.AckExplicit())
		if err != nil {
			return err
		}
		for i := 1; i <= 10; i++ {
			m, err := sub.NextMsg(3 * time.Second)
			if err != nil {
				return err
			}
			md, err := m.Metadata()
			if err != nil {
				return err
			}
			if md.Sequence.Stream != uint64(i) || md.NumDelivered != 1 {
				return fmt.Errorf("metadata %+v", md)
			}
			if err := m.Ack(); err != nil {
				return err
			}
		}
		return sub.Unsubscribe()
	})

	check("nak_redelivery", func() error {
		sub, err := js.PullSubscribe("go.b", "nak", nats.AckExplicit())
		if err != nil {
			return err
		}
		msgs, err := sub.Fetch(1)
		if err != nil {
			return err
		}
		if err := msgs[0].Nak(); err != nil {
			return err
		}
		again, err := sub.Fetch(1)
		if err != nil {
			return err
		}
		md, _ := again[0].Metadata()
		if md.NumDelivered != 2 {
			return fmt.Errorf("redelivered %d times", md.NumDelivered)
		}
		return again[0].AckSync()
	})

	check("ordered_consumer", func() error {
		sub, err := js.SubscribeSync("go.>", nats.OrderedConsumer())
		if err != nil {
			return err
		}
		defer sub.Unsubscribe()
		var last uint64
		for i := 0; i < 111; i++ {
			m, err := sub.NextMsg(3 * time.Second)
			if err != nil {
				return fmt.Errorf("message %d: %v", i+1, err)
			}
			md, _ := m.Metadata()
			if md.Sequence.Stream <= last {
				return fmt.Errorf("out of order: %d after %d", md.Sequence.Stream, last)
			}
			last = md.Sequence.Stream
		}
		return nil
	})

	check("key_value", func() error {
		kv, err := js.CreateKeyValue(&nats.KeyValueConfig{Bucket: "gokv", History: 5})
		if err != nil {
			return err
		}
		w, err := kv.WatchAll()
		if err != nil {
			return err
		}
		defer w.Stop()
		if _, err := kv.Put("a", []byte("1")); err != nil {
			return err
		}
		if _, err := kv.Put("a", []byte("2")); err != nil {
			return err
		}
		if _, err := kv.Put("b.c", []byte("3")); err != nil {
			return err
		}
		e, err := kv.Get("a")
		if err != nil {
			return err
		}
		if string(e.Value()) != "2" || e.Revision() != 2 {
			return fmt.Errorf("get a: %q rev %d", e.Value(), e.Revision())
		}
		if _, err := kv.Create("a", []byte("x")); err == nil {
			return fmt.Errorf("create of an existing key accepted")
		}
		if _, err := kv.Update("a", []byte("3"), 2); err != nil {
			return err
		}
		h, err := kv.History("a")
		if err != nil {
			return err
		}
		if len(h) != 3 {
			return fmt.Errorf("history has %d entries", len(h))
		}
		if err := kv.Delete("b.c"); err != nil {
			return err
		}
		if _, err := kv.Get("b.c"); err != nats.ErrKeyNotFound {
			return fmt.Errorf("deleted key: %v", err)
		}
		keys, err := kv.Keys()
		if err != nil {
			return err
		}
		sort.Strings(keys)
		if len(keys) != 1 || keys[0] != "a" {
			return fmt.Errorf("keys %v", keys)
		}
		seen := 0
		deadline := time.After(3 * time.Second)
		for seen < 5 {
			select {
			case u := <-w.Updates():
				if u != nil {
					seen++
				}
			case <-deadline:
				return fmt.Errorf("watcher saw %d updates", seen)
			}
		}
		return js.DeleteKeyValue("gokv")
	})

	check("object_store", func() error {
		obs, err := js.CreateObjectStore(&nats.ObjectStoreConfig{Bucket: "goobj"})
		if err != nil {
			return err
		}
		data := make([]byte, 300*1024+17)
		for i := range data {
			data[i] = byte(i * 7)
		}
		info, err := obs.PutBytes("file.bin", data)
		if err != nil {
			return err
		}
		if info.Size != uint64(len(data)) || info.Chunks < 2 {
			return fmt.Errorf("info %+v", info)
		}
		got, err := obs.GetBytes("file.bin")
		if err != nil {
			return err
		}
		if !bytes.Equal(got, data) {
			return fmt.Errorf("object differs (%d bytes back)", len(got))
		}
		if _, err := obs.PutBytes("small", []byte("hi")); err != nil {
			return err
		}
		list, err := obs.List()
		if err != nil {
			return err
		}
		if len(list) != 2 {
			return fmt.Errorf("list has %d objects", len(list))
		}
		if err := obs.Delete("file.bin"); err != nil {
			return err
		}
		if _, err := obs.GetBytes("file.bin"); err == nil {
			return fmt.Errorf("deleted object still readable")
		}
		return js.DeleteObjectStore("goobj")
	})

	check("stream_delete", func() error {
		if err := js.DeleteStream("GO"); err != nil {
			return err
		}
		if _, err := js.StreamInfo("GO"); err != nats.ErrStreamNotFound {
			return fmt.Errorf("after delete: %v", err)
		}
		return nil
	})

	fmt.Printf("go: %d failed\n", failed)
	if failed > 0 {
		os.Exit(1)
	}
}
