package backoff

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDelayGrowsToTheCap(t *testing.T) {
	p := Policy{Base: time.Second, Max: 30 * time.Second}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for n, w := range want {
		if got := p.Delay(n); got != w*time.Second {
			t.Errorf("Delay(%d) = %s, want %s", n, got, w*time.Second)
		}
	}
	if got := p.Delay(1000); got != 30*time.Second {
		t.Errorf("Delay(1000) = %s, want the cap (no overflow)", got)
	}
}

func TestDelayJitterBounds(t *testing.T) {
	p := Policy{Base: time.Second, Max: time.Minute, Spread: 0.5, Extra: time.Second}
	for _, c := range []struct {
		name   string
		n      int
		r1, r2 float64
		want   time.Duration
	}{
		{"no jitter drawn", 2, 0, 0, 4 * time.Second},
		{"full spread", 2, 1, 0, 2 * time.Second},
		{"full extra", 2, 0, 1, 5 * time.Second},
		{"capped then spread", 10, 0.5, 0, 45 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := p.delay(c.n, c.r1, c.r2); got != c.want {
				t.Errorf("delay(%d, %v, %v) = %s, want %s", c.n, c.r1, c.r2, got, c.want)
			}
		})
	}
	seen := map[time.Duration]bool{}
	for range 200 {
		d := p.Delay(3)
		if d < 4*time.Second || d > 9*time.Second {
			t.Fatalf("Delay(3) = %s, outside [4s, 9s]", d)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Error("Delay(3) never varied: no jitter")
	}
}

func TestSleepStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a done context = %v, want context.Canceled", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("Sleep(1ms) = %v", err)
	}
	if err := Sleep(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep(0) on a done context = %v, want its error", err)
	}
}
