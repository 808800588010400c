package zohotest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestInjectedStatusFaults(t *testing.T) {
	bothModes(t, Options{Records: map[string]int{"Leads": 5}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		path := "/crm/v8/Leads?fields=Last_Name"
		s.InjectFault(Fault{Path: "/crm/v8/Leads", Status: 429, Times: 3, Header: http.Header{"Retry-After": {"2"}}})
		s.InjectFault(Fault{Path: "/crm/v8/Leads", Status: 503, Body: "<html>Service Unavailable</html>"})
		s.InjectFault(Fault{Path: "/crm/v8/*", Status: 500})
		for i, want := range []struct {
			status int
			code   string
		}{{429, "TOO_MANY_REQUESTS"}, {429, "TOO_MANY_REQUESTS"}, {429, "TOO_MANY_REQUESTS"}, {503, ""}, {500, "INTERNAL_ERROR"}, {200, ""}} {
			a := get(t, s, at, path)
			if a.status != want.status {
				t.Fatalf("call %d: HTTP %d, want %d", i+1, a.status, want.status)
			}
			if want.code != "" && a.code(t) != want.code {
				t.Fatalf("call %d: %s", i+1, a.body)
			}
			if want.status == 429 && a.header.Get("Retry-After") != "2" {
				t.Fatalf("Retry-After %q", a.header.Get("Retry-After"))
			}
			if want.status == 503 && !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") {
				t.Fatalf("503 content type %q", a.header.Get("Content-Type"))
			}
		}
		if s.PendingFaults() != 0 || s.Stats().FaultsInjected != 5 {
			t.Fatalf("pending %d, injected %d", s.PendingFaults(), s.Stats().FaultsInjected)
		}
	})
}

func TestFaultAfterAndForever(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 5}})
	at := mintToken(t, s)
	s.InjectFault(Fault{Method: "GET", Path: "/crm/v8/Leads", After: 2, Times: -1, Status: 500})
	var got []int
	for i := 0; i < 5; i++ {
		got = append(got, get(t, s, at, "/crm/v8/Leads?fields=Last_Name").status)
	}
	if want := []int{200, 200, 500, 500, 500}; !equalJSON(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	s.ClearFaults()
	if a := get(t, s, at, "/crm/v8/Leads?fields=Last_Name"); a.status != 200 {
		t.Fatalf("after ClearFaults: %d", a.status)
	}
}

func TestTokenEndpointFault(t *testing.T) {
	s := newServer(t, Options{NoListener: true})
	s.InjectFault(Fault{Path: "/accounts/oauth/v2/token", Status: 502, Body: "Bad Gateway"})
	resp, err := s.HTTPClient().PostForm(s.AccountsURL()+"/oauth/v2/token", refreshForm(s.Credentials()))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 {
		t.Fatalf("HTTP %d", resp.StatusCode)
	}
	mintToken(t, s) // once only
}

func TestLatencyUsesInjectedSleep(t *testing.T) {
	var slept []time.Duration
	var mu sync.Mutex
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 1},
		Sleep: func(d time.Duration) { mu.Lock(); slept = append(slept, d); mu.Unlock() }})
	at := mintToken(t, s)
	s.InjectFault(Fault{Path: "/crm/v8/Leads", Latency: 7 * time.Second})
	if a := get(t, s, at, "/crm/v8/Leads?fields=Last_Name"); a.status != 200 {
		t.Fatalf("slow call: %d %s", a.status, a.body)
	}
	if len(slept) != 1 || slept[0] != 7*time.Second {
		t.Fatalf("slept %v", slept)
	}
}

func TestDroppedConnection(t *testing.T) {
	bothModes(t, Options{Records: map[string]int{"Leads": 3}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		// Twice: net/http replays an idempotent GET once when a reused
		// keep-alive connection dies before answering.
		s.InjectFault(Fault{Path: "/crm/v8/Leads", Drop: true, Times: 2})
		req, _ := http.NewRequest("GET", s.APIDomain()+"/crm/v8/Leads?fields=Last_Name", nil)
		req.Header.Set("Authorization", "Zoho-oauthtoken "+at)
		resp, err := s.HTTPClient().Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("dropped connection answered HTTP %d", resp.StatusCode)
		}
		s.ClearFaults()
		if a := get(t, s, at, "/crm/v8/Leads?fields=Last_Name"); a.status != 200 {
			t.Fatalf("next call: %d", a.status)
		}
		if got := s.Stats().Responses["GET /crm/v8/Leads 0"]; got < 1 {
			t.Fatalf("Stats counted %d dropped calls", got)
		}
	})
}

func TestCutBody(t *testing.T) {
	bothModes(t, Options{Records: map[string]int{"Leads": 50}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		s.InjectFault(Fault{Path: "/crm/v8/Leads", CutBody: true})
		req, _ := http.NewRequest("GET", s.APIDomain()+"/crm/v8/Leads?fields=Last_Name,Description", nil)
		req.Header.Set("Authorization", "Zoho-oauthtoken "+at)
		resp, err := s.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !errors.Is(err, io.ErrUnexpectedEOF) || len(b) == 0 {
			t.Fatalf("HTTP %d, read %d bytes, err %v; want 200 and io.ErrUnexpectedEOF mid-body", resp.StatusCode, len(b), err)
		}
		if resp.Header.Get(cutHeader) != "" {
			t.Fatal("internal cut header leaked")
		}
	})
}

func TestExpireTokensMidRun(t *testing.T) {
	bothModes(t, Options{Records: map[string]int{"Deals": 30}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		s.InjectFault(Fault{Path: "/crm/v8/Deals", After: 1, ExpireTokens: true})
		path := "/crm/v8/Deals?fields=Deal_Name&per_page=10"
		if a := get(t, s, at, path); a.status != 200 {
			t.Fatalf("first page: %d", a.status)
		}
		if a := get(t, s, at, path+"&page=2"); a.status != 401 || a.code(t) != "INVALID_TOKEN" {
			t.Fatalf("after expiry: %d %s", a.status, a.body)
		}
		if a := get(t, s, mintToken(t, s), path+"&page=2"); a.status != 200 {
			t.Fatalf("with a new token: %d", a.status)
		}
	})
}

func TestConcurrencyLimit(t *testing.T) {
	bothModes(t, Options{Records: map[string]int{"Leads": 3}, Concurrency: 3}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		hold := make(chan struct{})
		s.InjectFault(Fault{Path: "/crm/v8/Leads", Hold: hold, Times: 3})
		var wg sync.WaitGroup
		statuses := make(chan int, 3)
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- get(t, s, at, "/crm/v8/Leads?fields=Last_Name").status
			}()
		}
		for s.InFlight() < 3 { // the three are parked on hold, not sleeping
			time.Sleep(time.Millisecond)
		}
		a := get(t, s, at, "/crm/v8/Deals?fields=Deal_Name")
		if a.status != 429 || a.code(t) != "TOO_MANY_REQUESTS" {
			t.Fatalf("4th call in flight: %d %s", a.status, a.body)
		}
		close(hold)
		wg.Wait()
		close(statuses)
		for st := range statuses {
			if st != 200 {
				t.Fatalf("held call: %d", st)
			}
		}
		if st := s.Stats(); st.MaxInFlight != 4 || st.Codes["TOO_MANY_REQUESTS"] != 1 {
			t.Fatalf("stats %+v", st)
		}
		s.SetConcurrency(0) // unlimited
		if a := get(t, s, at, "/crm/v8/Leads?fields=Last_Name"); a.status != 200 {
			t.Fatalf("unlimited: %d", a.status)
		}
	})
}

func TestDailyCredits(t *testing.T) {
	s := newServer(t, Options{NoListener: true, Records: map[string]int{"Leads": 1}, DailyCredits: 4})
	at := mintToken(t, s)
	var remaining []string
	for i := 0; i < 4; i++ {
		a := get(t, s, at, "/crm/v8/Leads?fields=Last_Name")
		if a.status != 200 {
			t.Fatalf("call %d: %d", i+1, a.status)
		}
		remaining = append(remaining, a.header.Get("X-API-CREDITS-REMAINING"))
	}
	if want := []string{"", "2", "1", "0"}; !equalJSON(remaining, want) {
		t.Fatalf("X-API-CREDITS-REMAINING %q, want %q (set once half is used)", remaining, want)
	}
	if a := get(t, s, at, "/crm/v8/Leads?fields=Last_Name"); a.status != 429 || a.code(t) != "TOO_MANY_REQUESTS" {
		t.Fatalf("over budget: %d %s", a.status, a.body)
	}
	s.Advance(24*time.Hour + time.Second) // credits are freed 24 h after use
	if a := get(t, s, mintToken(t, s), "/crm/v8/Leads?fields=Last_Name"); a.status != 200 {
		t.Fatalf("a day later: %d %s", a.status, a.body)
	}
}

// Hang holds a request without an answer until the client gives up; Stall
// answers the headers and half the body, then nothing more. The client
// gives up once the emulator is seen to hold the request (or, for the
// stall, a moment after the half came): no deadline races the emulator's
// first answer on a loaded machine.
func TestHangAndStallFaults(t *testing.T) {
	bothModes(t, Options{Records: map[string]int{"Leads": 5}}, func(t *testing.T, s *Server) {
		at := mintToken(t, s)
		call := func(ctx context.Context) (*http.Response, error) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.APIDomain()+"/crm/v8/Leads?fields=Last_Name", nil)
			req.Header.Set("Authorization", "Zoho-oauthtoken "+at)
			return s.HTTPClient().Do(req)
		}
		s.InjectFault(Fault{Path: "/crm/v8/Leads", Hang: true})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			defer cancel()
			for deadline := time.Now().Add(10 * time.Second); s.Stats().FaultsInjected == 0 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
		}()
		if resp, err := call(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("hung call: %v, %v; want the client's own cancellation", resp, err)
		}
		s.InjectFault(Fault{Path: "/crm/v8/Leads", Stall: true})
		ctx, cancel = context.WithCancel(context.Background())
		defer cancel()
		resp, err := call(ctx)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("stalled call: headers %v, %v; want 200 headers", resp, err)
		}
		defer resp.Body.Close()
		body := make([]byte, resp.ContentLength)
		half := len(body) / 2
		if n, err := io.ReadFull(resp.Body, body[:half]); err != nil || half == 0 {
			t.Fatalf("stalled body: %d of the first %d bytes, %v", n, half, err)
		}
		time.AfterFunc(50*time.Millisecond, cancel)
		if n, err := io.ReadFull(resp.Body, body[half:]); n != 0 || !errors.Is(err, context.Canceled) {
			t.Fatalf("stalled body: %d more bytes after the first half of %d, %v; want none, then the client's cancellation", n, len(body), err)
		}
		if a := get(t, s, at, "/crm/v8/Leads?fields=Last_Name"); a.status != 200 {
			t.Fatalf("after the faults: HTTP %d", a.status)
		}
		if n := s.Stats().FaultsInjected; n != 2 {
			t.Fatalf("%d faults acted, want 2", n)
		}
	})
}
