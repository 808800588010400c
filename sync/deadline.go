package sync

import (
	"context"
	"errors"
	"time"
)

// errDeadline is the cause of a run's context ending at its deadline.
var errDeadline = errors.New("run deadline")

// withDeadline bounds the rest of a run by d (nothing when d <= 0). It is
// started once the run holds its lease: time spent waiting for another run
// is not this run being slow, and counting it would stop a run that waited
// for a long backfill as if a request had hung. stop ends the bound and
// records in sum whether it was hit.
func withDeadline(ctx context.Context, d time.Duration, sum *Summary) (_ context.Context, stop func()) {
	if d <= 0 {
		return ctx, func() {}
	}
	ctx, cancel := context.WithTimeoutCause(ctx, d, errDeadline)
	return ctx, func() {
		sum.DeadlineExceeded = errors.Is(context.Cause(ctx), errDeadline)
		cancel()
	}
}
