// Compatibility check of the official NATS Go client (nats.go) against a NATS server.
//
//	compat-go URL [RESTART_CMD]
//	compat-go auth URL NAME EXPECT KIND [ARG...]
//
// Prints one "PASS name" / "FAIL name: why" / "SKIP name: why" line per check and exits 1 if any
// check failed. RESTART_CMD, when given, is a shell command that stops the server and starts it
// again on the same port; the reconnect check runs only then.
//
// The auth form runs one authentication check (see runAuth).
//
// Built in GOPATH mode against Debian's golang-github-nats-io-go-nats-dev: nothing is fetched.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

var (
	url            string
	passed, failed int
)

func pass(name string) {
	fmt.Printf("PASS %s\n", name)
	passed++
}

func fail(name, format string, args ...interface{}) {
	fmt.Printf("FAIL %s: %s\n", name, fmt.Sprintf(format, args...))
	failed++
}

// open connects so that a vanished server ends the connection quickly: no check can hang.
func open(maxReconnects int, opts ...nats.Option) (*nats.Conn, error) {
	base := []nats.Option{nats.Timeout(5 * time.Second), nats.MaxReconnects(maxReconnects),
		nats.ReconnectWait(100 * time.Millisecond)}
	return nats.Connect(url, append(base, opts...)...)
}

// collectSync returns the subjects of the messages that arrive until `idle` passes with nothing new.
func collectSync(sub *nats.Subscription, idle time.Duration) []string {
	var got []string
	for {
		m, err := sub.NextMsg(idle)
		if err != nil {
			return got
		}
		got = append(got, m.Subject)
	}
}

func checkConnect(nc *nats.Conn) {
	if nc.ConnectedServerId() == "" {
		fail("connect", "no server_id in INFO")
	} else if nc.MaxPayload() <= 0 {
		fail("connect", "max_payload %d", nc.MaxPayload())
	} else {
		pass("connect")
	}
}

func checkPubSub(sc, pc *nats.Conn) {
	const name = "pub_sub"
	sub, err := sc.SubscribeSync("compat.ps")
	if err == nil {
		err = sc.Flush()
	}
	if err != nil {
		fail(name, "subscribe: %v", err)
		return
	}
	defer sub.Unsubscribe()
	for i := 0; i < 10; i++ {
		pc.Publish("compat.ps", []byte(fmt.Sprintf("m%d", i)))
	}
	if err := pc.Flush(); err != nil {
		fail(name, "publish: %v", err)
		return
	}
	for i := 0; i < 10; i++ {
		m, err := sub.NextMsg(2 * time.Second)
		if err != nil {
			fail(name, "message %d: %v", i, err)
			return
		}
		if want := fmt.Sprintf("m%d", i); string(m.Data) != want {
			fail(name, "message %d: got %q, want %q", i, m.Data, want)
			return
		}
	}
	pass(name)
}

func checkWildcard(sc, pc *nats.Conn, name, filter string, pubs, want []string) {
	sub, err := sc.SubscribeSync(filter)
	if err == nil {
		err = sc.Flush()
	}
	if err != nil {
		fail(name, "subscribe: %v", err)
		return
	}
	defer sub.Unsubscribe()
	for _, s := range pubs {
		pc.Publish(s, []byte("x"))
	}
	if err := pc.Flush(); err != nil {
		fail(name, "publish: %v", err)
		return
	}
	got := collectSync(sub, 500*time.Millisecond)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		fail(name, "filter %s: got %v, want %v", filter, got, want)
		return
	}
	pass(name)
}

func checkQueue(sc, pc *nats.Conn) {
	const name, n = "queue_group", 300
	var members []*nats.Subscription
	for i := 0; i < 3; i++ {
		s, err := sc.QueueSubscribeSync("compat.q", "workers")
		if err != nil {
			fail(name, "queue subscribe: %v", err)
			return
		}
		defer s.Unsubscribe()
		members = append(members, s)
	}
	plain, err := sc.SubscribeSync("compat.q")
	if err == nil {
		err = sc.Flush()
	}
	if err != nil {
		fail(name, "subscribe: %v", err)
		return
	}
	defer plain.Unsubscribe()
	for i := 0; i < n; i++ {
		pc.Publish("compat.q", []byte(strconv.Itoa(i)))
	}
	if err := pc.Flush(); err != nil {
		fail(name, "publish: %v", err)
		return
	}
	seen := map[string]int{}
	var per []int
	dup := 0
	for _, s := range members {
		count := 0
		for {
			m, err := s.NextMsg(500 * time.Millisecond)
			if err != nil {
				break
			}
			count++
			seen[string(m.Data)]++
			if seen[string(m.Data)] > 1 {
				dup++
			}
		}
		per = append(per, count)
	}
	plainN := len(collectSync(plain, 500*time.Millisecond))
	missing := n - len(seen)
	if dup > 0 || missing > 0 || plainN != n {
		fail(name, "duplicates %d, missing %d, plain subscriber got %d of %d", dup, missing, plainN, n)
		return
	}
	for _, c := range per {
		if c == n {
			fail(name, "one member got all %d messages (%v)", n, per)
			return
		}
	}
	pass(name)
}

func checkRequest(sc, pc *nats.Conn) {
	const name = "request_reply"
	sub, err := sc.Subscribe("compat.svc", func(m *nats.Msg) {
		m.Respond(append([]byte("re:"), m.Data...))
	})
	if err == nil {
		err = sc.Flush()
	}
	if err != nil {
		fail(name, "subscribe: %v", err)
		return
	}
	defer sub.Unsubscribe()
	for i := 0; i < 5; i++ {
		r, err := pc.Request("compat.svc", []byte(fmt.Sprintf("q%d", i)), 2*time.Second)
		if err != nil {
			fail(name, "request %d: %v", i, err)
			return
		}
		if want := fmt.Sprintf("re:q%d", i); string(r.Data) != want {
			fail(name, "reply %d: got %q, want %q", i, r.Data, want)
			return
		}
	}
	pass(name)
}

func checkHeaders(sc, pc *nats.Conn) {
	const name = "headers"
	sub, err := sc.SubscribeSync("compat.hdr")
	if err == nil {
		err = sc.Flush()
	}
	if err != nil {
		fail(name, "subscribe: %v", err)
		return
	}
	defer sub.Unsubscribe()
	out := nats.NewMsg("compat.hdr")
	out.Data = []byte("body")
	out.Header.Set("X-Compat", "one")
	out.Header.Add("X-Multi", "a")
	out.Header.Add("X-Multi", "b c")
	if err := pc.PublishMsg(out); err != nil {
		fail(name, "publish: %v", err)
		return
	}
	pc.Flush()
	in, err := sub.NextMsg(2 * time.Second)
	switch {
	case err != nil:
		fail(name, "receive: %v", err)
	case in.Header.Get("X-Compat") != "one":
		fail(name, "X-Compat: got %q", in.Header.Get("X-Compat"))
	case strings.Join(in.Header.Values("X-Multi"), "|") != "a|b c":
		fail(name, "X-Multi: got %q", in.Header.Values("X-Multi"))
	case string(in.Data) != "body":
		fail(name, "body: got %q", in.Data)
	default:
		pass(name)
	}
}

func checkNoResponders(pc *nats.Conn) {
	const name = "no_responders"
	t0 := time.Now()
	_, err := pc.Request("compat.nobody.home", []byte("hello"), 5*time.Second)
	took := time.Since(t0)
	switch {
	case !errors.Is(err, nats.ErrNoResponders):
		fail(name, "got %v after %v, want %v", err, took, nats.ErrNoResponders)
	case took > 2*time.Second:
		fail(name, "no-responders took %v", took)
	default:
		pass(name)
	}
}

func checkBigPayload(sc, pc *nats.Conn) {
	const name, size = "payload_1mib", 1024 * 1024
	if pc.MaxPayload() < size {
		fail(name, "server max_payload %d < 1 MiB", pc.MaxPayload())
		return
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*31 + i/7)
	}
	sub, err := sc.SubscribeSync("compat.big")
	if err == nil {
		err = sc.Flush()
	}
	if err != nil {
		fail(name, "subscribe: %v", err)
		return
	}
	defer sub.Unsubscribe()
	if err := pc.Publish("compat.big", data); err != nil {
		fail(name, "publish: %v", err)
		return
	}
	pc.Flush()
	m, err := sub.NextMsg(5 * time.Second)
	switch {
	case err != nil:
		fail(name, "receive: %v", err)
	case !bytes.Equal(m.Data, data):
		fail(name, "payload differs (length %d)", len(m.Data))
	default:
		pass(name)
	}
}

func checkMaxPayload(pc *nats.Conn) {
	const name = "max_payload_refused"
	size := pc.MaxPayload() + 1
	err := pc.Publish("compat.toobig", make([]byte, size))
	if !errors.Is(err, nats.ErrMaxPayload) {
		fail(name, "publish of %d bytes: %v, want %v", size, err, nats.ErrMaxPayload)
		return
	}
	// Refused by the client before it reached the wire: the connection must still be usable.
	if err := pc.FlushTimeout(2 * time.Second); err != nil {
		fail(name, "connection unusable after refusal: %v", err)
		return
	}
	pass(name)
}

func checkFlush(pc *nats.Conn) {
	if err := pc.FlushTimeout(2 * time.Second); err != nil {
		fail("flush", "%v", err)
		return
	}
	if _, err := pc.RTT(); err != nil {
		fail("flush", "rtt: %v", err)
		return
	}
	pass("flush")
}

// checkNoEcho: a connection made with no_echo gets no copy of its own messages; others' still arrive.
func checkNoEcho(pc *nats.Conn) {
	const name = "no_echo"
	nc, err := open(0, nats.NoEcho())
	if err != nil {
		fail(name, "connect: %v", err)
		return
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("compat.echo")
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		fail(name, "subscribe: %v", err)
		return
	}
	nc.Publish("compat.echo", []byte("own"))
	nc.Flush()
	pc.Publish("compat.echo", []byte("other"))
	pc.Flush()
	var got []string
	for {
		m, err := sub.NextMsg(500 * time.Millisecond)
		if err != nil {
			break
		}
		got = append(got, string(m.Data))
	}
	if strings.Join(got, ",") != "other" {
		fail(name, "got %v, want [other] (a no_echo connection must not get its own messages)", got)
		return
	}
	pass(name)
}

func waitFor(cond func() bool, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

func checkDrain() {
	const name, n = "drain", 200
	nc, err := open(0)
	if err != nil {
		fail(name, "connect: %v", err)
		return
	}
	defer nc.Close()
	p, err := open(0)
	if err != nil {
		fail(name, "connect: %v", err)
		return
	}
	defer p.Close()
	var count int32
	sub, err := nc.Subscribe("compat.drain", func(*nats.Msg) {
		time.Sleep(time.Millisecond) // slow consumer: messages are still pending when the drain starts
		atomic.AddInt32(&count, 1)
	})
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		fail(name, "subscribe: %v", err)
		return
	}
	for i := 0; i < n; i++ {
		p.Publish("compat.drain", []byte("d"))
	}
	p.Flush()
	nc.Flush() // every message has reached the client before the drain
	if err := sub.Drain(); err != nil {
		fail(name, "subscription drain: %v", err)
		return
	}
	if !waitFor(func() bool { return !sub.IsValid() }, 5*time.Second) {
		fail(name, "subscription drain not complete after 5 s")
		return
	}
	if got := atomic.LoadInt32(&count); got != n {
		fail(name, "subscription drain delivered %d of %d", got, n)
		return
	}
	if err := nc.Drain(); err != nil {
		fail(name, "connection drain: %v", err)
		return
	}
	if !waitFor(nc.IsClosed, 5*time.Second) {
		fail(name, "connection not closed 5 s after drain")
		return
	}
	pass(name)
}

func checkReconnect(restartCmd string) {
	const name = "reconnect"
	if restartCmd == "" {
		fmt.Printf("SKIP %s: no restart command given\n", name)
		return
	}
	var reconnects int32
	nc, err := open(600, nats.ReconnectHandler(func(*nats.Conn) { atomic.AddInt32(&reconnects, 1) })) // one minute
	if err != nil {
		fail(name, "connect: %v", err)
		return
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("compat.rc")
	if err == nil {
		err = nc.Flush()
	}
	if err != nil {
		fail(name, "subscribe: %v", err)
		return
	}
	cmd := exec.Command("/bin/sh", "-c", restartCmd)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fail(name, "restart command failed: %v", err)
		return
	}
	if !waitFor(func() bool { return atomic.LoadInt32(&reconnects) > 0 }, 30*time.Second) {
		fail(name, "no reconnect within 30 s of the restart")
		return
	}
	// The subscription must have been re-sent to the new server.
	nc.Publish("compat.rc", []byte("after"))
	nc.Flush()
	if _, err := sub.NextMsg(3 * time.Second); err != nil {
		fail(name, "message after reconnect: %v", err)
		return
	}
	pass(name)
}

// runAuth is one authentication check: connect to URL with the credential KIND ARG... and expect
//
//	ok      the connection is accepted and a message makes a round trip through the server;
//	denied  the connection is refused with the server's "Authorization Violation";
//	refused the connection fails (e.g. a TLS handshake the server rejects); the error is printed;
//	reconnect as ok, but between subscribing and publishing the shell command in $COMPAT_RESTART_CMD
//	        restarts the server: the client must reconnect (authenticating again) within 30 s.
//
// KIND: none | user USER PASSWORD | token TOKEN | nkey PUBLIC_KEY SEED_FILE | creds CREDS_FILE
// | tls CA_FILE [CERT_FILE KEY_FILE]   (TLS, trusting CA_FILE; with a client certificate when given)
func runAuth(args []string) int {
	if len(args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: compat-go auth URL NAME ok|denied|refused KIND [ARG...]")
		return 2
	}
	url = args[0]
	name, expect, kind, a := args[1], args[2], args[3], args[4:]
	reconnect := expect == "reconnect"
	restartCmd := os.Getenv("COMPAT_RESTART_CMD")
	if reconnect && restartCmd == "" {
		fmt.Fprintln(os.Stderr, "reconnect needs COMPAT_RESTART_CMD")
		return 2
	}
	var reconnects int32
	opts := []nats.Option{nats.Timeout(5 * time.Second), nats.NoReconnect()}
	if reconnect {
		opts = []nats.Option{nats.Timeout(5 * time.Second), nats.MaxReconnects(600), // one minute
			nats.ReconnectWait(100 * time.Millisecond),
			nats.ReconnectHandler(func(*nats.Conn) { atomic.AddInt32(&reconnects, 1) })}
	}
	switch {
	case kind == "none" && len(a) == 0:
	case kind == "user" && len(a) == 2:
		opts = append(opts, nats.UserInfo(a[0], a[1]))
	case kind == "token" && len(a) == 1:
		opts = append(opts, nats.Token(a[0]))
	case kind == "nkey" && len(a) == 2:
		opt, err := nats.NkeyOptionFromSeed(a[1])
		if err != nil {
			fail(name, "loading the seed: %v", err)
			return 1
		}
		opts = append(opts, opt)
	case kind == "creds" && len(a) == 1:
		opts = append(opts, nats.UserCredentials(a[0]))
	case kind == "tls" && len(a) == 3:
		opts = append(opts, nats.RootCAs(a[0]), nats.ClientCert(a[1], a[2]))
	case kind == "tls" && len(a) == 1:
		opts = append(opts, nats.RootCAs(a[0]))
	default:
		fmt.Fprintf(os.Stderr, "unknown credential kind or wrong argument count: %s\n", kind)
		return 2
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		switch {
		case expect == "ok" || reconnect:
			fail(name, "connect refused: %v", err)
		case expect == "denied" && !strings.Contains(strings.ToLower(err.Error()), "authorization violation"):
			fail(name, "refused, but not with Authorization Violation: %v", err)
		default:
			fmt.Printf("PASS %s: refused: %v\n", name, err)
			return 0
		}
		return 1
	}
	defer nc.Close()
	if expect != "ok" && !reconnect {
		fail(name, "connected with a wrong credential")
		return 1
	}
	sub, err := nc.SubscribeSync("compat.auth")
	if err == nil {
		err = nc.Flush()
	}
	if err == nil && reconnect {
		cmd := exec.Command("/bin/sh", "-c", restartCmd)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fail(name, "restart command failed: %v", err)
			return 1
		}
		if !waitFor(func() bool { return atomic.LoadInt32(&reconnects) > 0 }, 30*time.Second) {
			fail(name, "no reconnect within 30 s of the restart (last error: %v)", nc.LastError())
			return 1
		}
	}
	if err == nil {
		err = nc.Publish("compat.auth", []byte("hello"))
	}
	var m *nats.Msg
	if err == nil {
		m, err = sub.NextMsg(3 * time.Second)
	}
	if err != nil {
		fail(name, "connected, but no round trip: %v", err)
		return 1
	}
	if string(m.Data) != "hello" {
		fail(name, "round trip payload %q", m.Data)
		return 1
	}
	pass(name)
	return 0
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "auth" {
		os.Exit(runAuth(os.Args[2:]))
	}
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compat-go URL [RESTART_CMD]")
		os.Exit(2)
	}
	url = os.Args[1]
	restartCmd := ""
	if len(os.Args) > 2 {
		restartCmd = os.Args[2]
	}
	fmt.Printf("# nats.go %s against %s\n", nats.Version, url)
	defer func() {
		fmt.Printf("go: %d passed, %d failed\n", passed, failed)
		if failed > 0 {
			os.Exit(1)
		}
	}()
	sc, err := open(0)
	if err != nil {
		fail("connect", "%v", err)
		return
	}
	pc, err := open(0)
	if err != nil {
		sc.Close()
		fail("connect", "%v", err)
		return
	}
	checkConnect(pc)
	checkPubSub(sc, pc)
	checkWildcard(sc, pc, "wildcard_star", "compat.w.*.x",
		[]string{"compat.w.1.x", "compat.w.2.x", "compat.w.1.y", "compat.w.1.2.x", "compat.w.x"},
		[]string{"compat.w.1.x", "compat.w.2.x"})
	checkWildcard(sc, pc, "wildcard_gt", "compat.g.>",
		[]string{"compat.g.a", "compat.g.a.b.c", "compat.g", "other.g.a"},
		[]string{"compat.g.a", "compat.g.a.b.c"})
	checkQueue(sc, pc)
	checkRequest(sc, pc)
	checkHeaders(sc, pc)
	checkNoResponders(pc)
	checkBigPayload(sc, pc)
	checkMaxPayload(pc)
	checkFlush(pc)
	checkNoEcho(pc)
	sc.Close()
	pc.Close()
	checkDrain()
	checkReconnect(restartCmd)
}
