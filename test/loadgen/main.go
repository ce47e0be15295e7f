// Command loadgen offers SayHello at a fixed rate, open loop: each request is sent at its scheduled time
// whether or not earlier ones were answered, and its latency counts from that time, so a server that
// queues cannot hide it (no coordinated omission). It checks every reply and prints one JSON summary.
//
//	loadgen -http http://127.0.0.1:8000 -rate 6000 -duration 10s -warmup 2s
//	loadgen -grpc 127.0.0.1:9000 -rate 12000 -duration 10s -warmup 2s
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"
)

// rawCodec sends and receives protobuf bytes as they are, so no generated code is needed.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(b []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), b...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// outcome is how one request ended: "ok", "shed" (429 / RESOURCE_EXHAUSTED with reason RATELIMIT) or an error kind.
type outcome struct {
	kind    string
	latency time.Duration
}

// stringField encodes a proto3 message whose field 1 is s.
func stringField(s string) []byte {
	b := []byte{0x0a}
	n := len(s)
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(append(b, byte(n)), s...)
}

func main() {
	httpBase := flag.String("http", "", "HTTP base URL")
	grpcAddr := flag.String("grpc", "", "gRPC address")
	rate := flag.Float64("rate", 1000, "requests per second offered")
	duration := flag.Duration("duration", 10*time.Second, "measured time, after the warm-up")
	warmup := flag.Duration("warmup", 2*time.Second, "time offered but not counted")
	conns := flag.Int("conns", 8, "gRPC connections, or the most HTTP connections")
	name := flag.String("name", "loadgen", "the name greeted")
	timeout := flag.Duration("timeout", 5*time.Second, "a request unanswered this long is a timeout")
	workers := flag.Int("workers", 0, "closed loop instead: this many workers each send a request as soon as the last is answered")
	flag.Parse()

	var send func(ctx context.Context) string
	switch {
	case *httpBase != "":
		send = httpSender(*httpBase, *name, *conns)
	case *grpcAddr != "":
		send = grpcSender(*grpcAddr, *name, *conns)
	default:
		fmt.Fprintln(os.Stderr, "loadgen: -http or -grpc is required")
		os.Exit(2)
	}

	if *workers > 0 {
		measured, all := closedLoop(send, *workers, *warmup, *duration, *timeout)
		report(measured, all, 0, *duration)
		return
	}
	total := int((*warmup + *duration).Seconds() * *rate)
	skip := int(warmup.Seconds() * *rate)
	results := make([]outcome, total)
	interval := time.Duration(float64(time.Second) / *rate)
	var wg sync.WaitGroup
	var late atomic.Int64
	start := time.Now()
	for i := 0; i < total; i++ {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		} else if -d > 10*time.Millisecond && i >= skip {
			late.Add(1)
		}
		wg.Add(1)
		go func(i int, at time.Time) {
			defer wg.Done()
			ctx, cancel := context.WithDeadline(context.Background(), at.Add(*timeout))
			defer cancel()
			kind := send(ctx)
			results[i] = outcome{kind, time.Since(at)}
		}(i, at)
	}
	wg.Wait()
	report(results[skip:], results, late.Load(), *duration)
}

// closedLoop runs workers that each send a request as soon as their last is answered, and returns the
// outcomes of the requests sent after the warm-up and answered before its end, and of all it sent.
func closedLoop(send func(context.Context) string, workers int, warmup, duration, timeout time.Duration) (measured, all []outcome) {
	from := time.Now().Add(warmup)
	until := from.Add(duration)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine, sent []outcome
			for {
				at := time.Now()
				if !at.Before(until) {
					break
				}
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				kind := send(ctx)
				cancel()
				end := time.Now()
				sent = append(sent, outcome{kind, end.Sub(at)})
				if !at.Before(from) && end.Before(until) {
					mine = append(mine, outcome{kind, end.Sub(at)})
				}
			}
			mu.Lock()
			measured = append(measured, mine...)
			all = append(all, sent...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return measured, all
}

// began is when the program started: clientBusy is the share of the time since that the process was on a CPU.
var began = time.Now()

// clientBusy is the CPU time this process used over its wall time: pinned to one core, near 1 means that
// the load generator, not the server, set the pace, and the latencies it measured are partly its own.
func clientBusy() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpu.Seconds() / time.Since(began).Seconds()
}

// report prints the summary of the measured requests as one JSON line, with the counts of all sent, warm-up included, when known.
func report(measured, all []outcome, late int64, duration time.Duration) {
	summary := map[string]any{"offered": len(measured), "seconds": duration.Seconds(), "lateSends": late, "clientBusy": clientBusy()}
	if all != nil {
		total := map[string]int{}
		for _, r := range all {
			total[r.kind]++
		}
		summary["allCounts"] = total
	}
	byKind := map[string][]time.Duration{}
	for _, r := range measured {
		byKind[r.kind] = append(byKind[r.kind], r.latency)
	}
	counts := map[string]int{}
	for kind, lat := range byKind {
		counts[kind] = len(lat)
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		summary[kind+"P50"] = ms(lat[len(lat)/2])
		summary[kind+"P99"] = ms(lat[(len(lat)*99)/100])
		summary[kind+"Max"] = ms(lat[len(lat)-1])
	}
	summary["counts"] = counts
	summary["okPerSecond"] = float64(counts["ok"]) / duration.Seconds()
	out, _ := json.Marshal(summary)
	fmt.Println(string(out))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func httpSender(base, name string, conns int) func(context.Context) string {
	client := &http.Client{Transport: &http.Transport{
		DialContext:         (&net.Dialer{}).DialContext,
		MaxConnsPerHost:     conns,
		MaxIdleConnsPerHost: conns,
		DisableCompression:  true,
	}}
	url := strings.TrimRight(base, "/") + "/helloworld/" + name
	want := `{"message":"Hello ` + name + `"}`
	return func(ctx context.Context) string {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		res, err := client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return "timeout"
			}
			return "neterror"
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		switch {
		case err != nil:
			return "neterror"
		case res.StatusCode == 200 && string(body) == want:
			return "ok"
		case res.StatusCode == 429 && strings.Contains(string(body), `"reason":"RATELIMIT"`):
			return "shed"
		default:
			return fmt.Sprintf("http%d", res.StatusCode)
		}
	}
}

func grpcSender(addr, name string, conns int) func(context.Context) string {
	encoding.RegisterCodec(rawCodec{})
	clients := make([]*grpc.ClientConn, conns)
	for i := range clients {
		cc, err := grpc.Dial(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		clients[i] = cc
	}
	request := stringField(name)
	want := string(stringField("Hello " + name))
	var next atomic.Uint64
	return func(ctx context.Context) string {
		cc := clients[next.Add(1)%uint64(len(clients))]
		in, out := request, []byte(nil)
		err := cc.Invoke(ctx, "/helloworld.v1.Greeter/SayHello", &in, &out)
		if err == nil {
			if string(out) == want {
				return "ok"
			}
			return "badreply"
		}
		st := status.Convert(err)
		if st.Code() == codes.ResourceExhausted {
			for _, d := range st.Details() {
				if info, ok := d.(*errdetails.ErrorInfo); ok && info.Reason == "RATELIMIT" {
					return "shed"
				}
			}
		}
		return "grpc" + st.Code().String()
	}
}
