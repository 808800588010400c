package pace

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func TestBurstUpToQuotaDoesNotWait(t *testing.T) {
	w := New(60, time.Minute)
	now := t0
	for i := range 60 {
		if at := w.Reserve(now); !at.Equal(now) {
			t.Fatalf("request %d waits until %s with %d in the window: want no wait", i+1, at.Sub(now), i)
		}
		now = now.Add(100 * time.Millisecond)
	}
	// The 61st waits until the first leaves the window, not a moment longer.
	if at := w.Reserve(now); !at.Equal(t0.Add(time.Minute)) {
		t.Fatalf("request 61 at %s, want %s (when request 1 leaves the window)", at.Sub(t0), time.Minute)
	}
	// The 62nd follows when the second leaves.
	if at := w.Reserve(now); !at.Equal(t0.Add(time.Minute + 100*time.Millisecond)) {
		t.Fatalf("request 62 at %s, want 1m0.1s", at.Sub(t0))
	}
}

func TestNoWaitOnceTheWindowEmpties(t *testing.T) {
	w := New(3, time.Minute)
	for range 3 {
		w.Reserve(t0)
	}
	later := t0.Add(61 * time.Second)
	for i := range 3 {
		if at := w.Reserve(later); !at.Equal(later) {
			t.Fatalf("request %d after an idle minute waits %s", i+1, at.Sub(later))
		}
	}
}

func TestNoLimit(t *testing.T) {
	w := New(0, time.Minute)
	for range 1000 {
		if at := w.Reserve(t0); !at.Equal(t0) {
			t.Fatal("an unlimited window made a request wait")
		}
	}
}

// TestNeverMoreThanQuotaInAnyWindow drives the window with random arrival
// patterns (bursts, idle spells, callers late to send) and checks the
// schedule: never more than quota sends in any span, and no send delayed
// while its span held fewer than quota others.
func TestNeverMoreThanQuotaInAnyWindow(t *testing.T) {
	for seed := range uint64(200) {
		rng := rand.New(rand.NewPCG(seed, 7))
		quota := 1 + rng.IntN(70)
		span := time.Duration(1+rng.IntN(90)) * time.Second
		w := New(quota, span)
		now := t0
		var sends []time.Time
		for range 400 {
			switch rng.IntN(4) {
			case 0: // burst: same instant
			case 1:
				now = now.Add(time.Duration(rng.IntN(2000)) * time.Millisecond)
			case 2:
				now = now.Add(time.Duration(rng.IntN(int(span/time.Millisecond)*2)) * time.Millisecond)
			case 3: // a caller that slept until its slot asks again from there
				if len(sends) > 0 && sends[len(sends)-1].After(now) {
					now = sends[len(sends)-1]
				}
			}
			at := w.Reserve(now)
			if at.Before(now) {
				t.Fatalf("seed %d: send at %s before the request at %s", seed, at, now)
			}
			if at.After(now) && !(len(sends) > 0 && sends[len(sends)-1].Equal(at)) {
				// A wait (other than for send order) is only allowed
				// while the span before the moment held the full quota,
				// and ends as soon as it does not.
				early := at.Add(-time.Nanosecond)
				in := 0
				for _, s := range sends {
					if s.After(early.Add(-span)) {
						in++
					}
				}
				if in < quota {
					t.Fatalf("seed %d: waited %s but could have sent 1ns earlier (%d of %d in the window)",
						seed, at.Sub(now), in, quota)
				}
			}
			sends = append(sends, at)
		}
		if !slices.IsSortedFunc(sends, func(a, b time.Time) int { return a.Compare(b) }) {
			t.Fatalf("seed %d: send times go backwards", seed)
		}
		for i := range sends {
			if i+quota < len(sends) && sends[i+quota].Sub(sends[i]) < span {
				t.Fatalf("seed %d: %d sends within %s (from %s to %s), quota %d",
					seed, quota+1, sends[i+quota].Sub(sends[i]), sends[i], sends[i+quota], quota)
			}
		}
	}
}
