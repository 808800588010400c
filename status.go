package main

import (
	"context"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// writeStatus updates the status tab after a run, success or failure, so
// the people who open the sheet see how fresh it is. It is best effort: a
// sheet that cannot be written is already the run's error.
func (r *runner) writeStatus(ctx context.Context, sum *zsync.Summary) {
	if r.wiring == nil || r.statusTab == "" || r.sheet == nil || sum == nil {
		return
	}
	loc, err := time.LoadLocation(r.sheet.TimeZone())
	if err != nil {
		loc = time.UTC
	}
	var next time.Time
	if r.nextRun != nil {
		next = r.nextRun()
	}
	if err := r.sheet.WriteStatus(ctx, r.statusTab, sum.Statuses(loc, next)); err != nil {
		r.log.Warn().Err(err).Str("sheet", r.statusTab).Msg("could not update the status tab")
	}
}
