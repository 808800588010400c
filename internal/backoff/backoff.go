// Package backoff provides the waiting both API clients and the alert
// notifier share between retries: a sleep that ends early when its context
// is done, and capped exponential backoff with jitter.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Sleep waits d, or until ctx is done, in which case it returns ctx's
// error. A d of zero or less returns at once (with ctx's error, if any).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Policy is capped exponential backoff: retry n (0-based) waits
// min(Max, Base·2^n), of which the last Spread fraction is random, plus a
// random Extra. The zero Spread and Extra give fixed waits. A Policy is a
// value and safe for concurrent use.
type Policy struct {
	Base time.Duration // the wait before the first retry
	Max  time.Duration // the cap of the exponential part
	// Spread in [0, 1] draws the wait uniformly from [d·(1−Spread), d],
	// so that clients failing together do not retry together.
	Spread float64
	// Extra adds a uniform random [0, Extra] on top (Google's
	// "random_number_milliseconds").
	Extra time.Duration
}

// Delay returns the wait before retry n (0-based).
func (p Policy) Delay(n int) time.Duration {
	return p.delay(n, rand.Float64(), rand.Float64())
}

// delay is Delay with the two random draws, each in [0, 1), given.
func (p Policy) delay(n int, r1, r2 float64) time.Duration {
	d := p.Max
	if n < 0 {
		n = 0
	}
	if n < 32 {
		if e := p.Base << n; e > 0 && e < p.Max {
			d = e
		}
	}
	if p.Spread > 0 {
		d -= time.Duration(float64(d) * min(p.Spread, 1) * r1)
	}
	return d + time.Duration(float64(p.Extra)*r2)
}
