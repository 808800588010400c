package sync_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

var holder = zsync.LeaseHolder{Owner: "5f3a9c1e", Host: "ci-7", PID: 42, Start: t0, Expires: t0.Add(2 * time.Minute)}

// fakeLeaser answers busy to the first busy tries, then hands out lease.
type fakeLeaser struct {
	mu    gosync.Mutex
	busy  int
	tries int
	lease *fakeLease
}

func (f *fakeLeaser) TryLease(context.Context) (zsync.Lease, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries++
	if f.tries <= f.busy {
		return nil, &zsync.LeaseBusyError{Holder: holder}
	}
	return f.lease, nil
}

func (f *fakeLeaser) Tries() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tries
}

// fakeLease renews by ttl from the clock; renewal number lostAt loses it.
type fakeLease struct {
	mu       gosync.Mutex
	now      func() time.Time
	ttl      time.Duration
	expires  time.Time
	renews   int
	lostAt   int
	err      error
	released bool
	errFn    func() error // overrides err when set
}

func (l *fakeLease) Renew(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.renews++
	if l.renews == l.lostAt {
		l.err = fmt.Errorf("%w: taken over", zsync.ErrLeaseLost)
		return l.err
	}
	l.expires = l.now().Add(l.ttl)
	return nil
}

func (l *fakeLease) Release(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.released = true
	return nil
}

func (l *fakeLease) Expires() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.expires
}

func (l *fakeLease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.errFn != nil {
		return l.errFn()
	}
	return l.err
}

func (l *fakeLease) state() (renews int, released bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.renews, l.released
}

// clock is a fake clock whose sleeps advance it and are reported on slept
// (when not nil) before returning.
type clock struct {
	mu    gosync.Mutex
	t     time.Time
	naps  []time.Duration
	slept chan time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if c.slept != nil {
		select {
		case c.slept <- d:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.naps = append(c.naps, d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *clock) Naps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.naps...)
}

func newPolicy(l zsync.Leaser, c *clock) *zsync.LeasePolicy {
	return &zsync.LeasePolicy{Leaser: l, Poll: 10 * time.Second, Logger: zerolog.Nop(), Now: c.Now, Sleep: c.Sleep}
}

func TestLeasePolicyWaitsThenHolds(t *testing.T) {
	c := &clock{t: t0}
	lease := &fakeLease{now: c.Now, ttl: time.Minute, expires: t0.Add(time.Minute)}
	l := &fakeLeaser{busy: 2, lease: lease}
	p := newPolicy(l, c)
	h, err := p.Hold(context.Background(), time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Naps(); len(got) < 2 || got[0] != 10*time.Second || got[1] != 10*time.Second {
		t.Fatalf("waited %v, want two polls of 10s first", got)
	}
	if err := h.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := h.Release(context.Background()); err != nil { // twice is fine
		t.Fatal(err)
	}
	if _, released := lease.state(); !released || l.Tries() != 3 {
		t.Fatalf("released %v after %d tries, want released after 3", released, l.Tries())
	}
}

func TestLeasePolicyGivesUpAfterWait(t *testing.T) {
	for _, tc := range []struct {
		name   string
		wait   time.Duration
		naps   []time.Duration
		suffix string
	}{
		{"NoWait", 0, nil, ")"},
		{"Wait25s", 25 * time.Second, []time.Duration{10 * time.Second, 10 * time.Second, 5 * time.Second}, "); waited 25s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t: t0}
			p := newPolicy(&fakeLeaser{busy: 1 << 30}, c)
			_, err := p.Hold(context.Background(), tc.wait, nil)
			var busy *zsync.LeaseBusyError
			if !errors.As(err, &busy) || busy.Holder != holder {
				t.Fatalf("err = %v, want busy naming %v", err, holder)
			}
			want := "another run holds the lease until 2026-01-05T09:02:00Z (host ci-7, pid 42, owner 5f3a9c1e" + tc.suffix
			if err.Error() != want {
				t.Errorf("message %q, want %q", err.Error(), want)
			}
			if got := c.Naps(); fmt.Sprint(got) != fmt.Sprint(tc.naps) {
				t.Errorf("waited %v, want %v", got, tc.naps)
			}
			if !strings.Contains(zsync.Hint(err), "--wait") {
				t.Errorf("hint %q does not mention --wait", zsync.Hint(err))
			}
		})
	}
}

func TestLeasePolicyRenewsEveryThirdUntilLost(t *testing.T) {
	c := &clock{t: t0, slept: make(chan time.Duration)}
	lease := &fakeLease{now: c.Now, ttl: 90 * time.Second, expires: t0.Add(90 * time.Second), lostAt: 3}
	p := newPolicy(&fakeLeaser{lease: lease}, c)
	h, err := p.Hold(context.Background(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if d := <-c.slept; d != 30*time.Second {
			t.Fatalf("renewal %d after %v, want a third of the 90s left", i+1, d)
		}
	}
	// The third renewal loses the lease: the loop ends, no more sleeps. The
	// renewal runs after the third sleep returns, so wait for it before
	// Release (which would otherwise cancel it first).
	for deadline := time.Now().Add(10 * time.Second); h.Err() == nil; {
		if time.Now().After(deadline) {
			t.Fatal("the third renewal never lost the lease")
		}
		select {
		case d := <-c.slept:
			t.Fatalf("slept %v more after the lease was to be lost", d)
		case <-time.After(time.Millisecond):
		}
	}
	if err := h.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	renews, released := lease.state()
	if renews != 3 || !released {
		t.Fatalf("%d renewals, released %v; want 3 and released", renews, released)
	}
	if !errors.Is(h.Err(), zsync.ErrLeaseLost) {
		t.Fatalf("Err() = %v, want ErrLeaseLost", h.Err())
	}
}

func TestJobHoldsTheLeaseExceptForDryRuns(t *testing.T) {
	now := t0
	src := &fakeSource{records: map[string][]zsync.Record{"Leads": {rec("1", t0)}, "Deals": {rec("9", t0)}}}
	c := &clock{t: t0}
	lease := &fakeLease{now: c.Now, ttl: time.Hour, expires: t0.Add(time.Hour)}
	leaser := &fakeLeaser{lease: lease}

	sink := &fakeSink{}
	j := newJob(src, sink, &now)
	j.Lease = newPolicy(leaser, c)
	if _, err := j.Run(context.Background(), zsync.RunOptions{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if leaser.Tries() != 0 {
		t.Fatal("a dry run took the lease")
	}
	if _, err := j.Run(context.Background(), zsync.RunOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, released := lease.state(); leaser.Tries() != 1 || !released {
		t.Fatalf("%d tries, released %v: want the lease taken once and released", leaser.Tries(), released)
	}

	// Busy: nothing is read or written.
	sink = &fakeSink{}
	j = newJob(src, sink, &now)
	j.Lease = newPolicy(&fakeLeaser{busy: 1 << 30}, c)
	src.reads = nil
	_, err := j.Run(context.Background(), zsync.RunOptions{})
	var busy *zsync.LeaseBusyError
	if !errors.As(err, &busy) || len(sink.tables) != 0 || len(src.reads) != 0 {
		t.Fatalf("err %v, %d tables written, %d reads: want busy and nothing done", err, len(sink.tables), len(src.reads))
	}

	// Lost after the first module: the next one is not even read.
	sink = &fakeSink{}
	j = newJob(src, sink, &now)
	lost := &fakeLease{now: c.Now, ttl: time.Hour, expires: t0.Add(time.Hour)}
	lost.errFn = func() error {
		if len(sink.tables) > 0 {
			return fmt.Errorf("%w: taken over", zsync.ErrLeaseLost)
		}
		return nil
	}
	j.Lease = newPolicy(&fakeLeaser{lease: lost}, c)
	src.reads = nil
	sum, err := j.Run(context.Background(), zsync.RunOptions{})
	if !errors.Is(err, zsync.ErrLeaseLost) || len(sink.tables) != 1 || len(src.reads) != 1 {
		t.Fatalf("err %v, %d tables, %d reads: want the second module stopped by the lost lease", err, len(sink.tables), len(src.reads))
	}
	if f := sum.Failed(); len(f) != 1 || f[0].Module != "Deals" {
		t.Fatalf("failed modules %+v, want Deals", f)
	}
}

func TestLeasePolicyStopsWaitingOnInterrupt(t *testing.T) {
	c := &clock{t: t0, slept: make(chan time.Duration)}
	stop := make(chan struct{})
	l := &fakeLeaser{busy: 1 << 30}
	p := newPolicy(l, c)
	got := make(chan error, 1)
	go func() {
		_, err := p.Hold(context.Background(), time.Hour, stop)
		got <- err
	}()
	<-c.slept // waiting after the first try
	close(stop)
	if err := <-got; !errors.Is(err, zsync.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if l.Tries() > 2 {
		t.Fatalf("%d tries after the interrupt, want it to stop at once", l.Tries())
	}
}
