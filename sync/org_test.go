package sync_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// scopeError is a refusal that retrying does not cure (Zoho's
// OAUTH_SCOPE_MISMATCH for a token granted without ZohoCRM.org.READ).
type scopeError struct{}

func (scopeError) Error() string   { return "HTTP 401 OAUTH_SCOPE_MISMATCH" }
func (scopeError) Temporary() bool { return false }

type refusingOrg struct {
	calls int
	err   error
}

func (o *refusingOrg) Org(context.Context) (zsync.Org, error) { o.calls++; return zsync.Org{}, o.err }
func (o *refusingOrg) RecordURL(context.Context, string) (func(string) string, error) {
	o.calls++
	return nil, o.err
}

// A token without the org scope costs one org call and one warning a run,
// not one per tab; a failure that may pass (a network blip) is tried again
// by the next tab, and a later run asks again either way.
func TestOrgRefusalIsRememberedForTheRun(t *testing.T) {
	for _, tc := range []struct {
		err       error
		wantCalls int
	}{{scopeError{}, 1}, {errors.New("connection reset"), 2}} {
		now := t0
		src := &fakeSource{records: map[string][]zsync.Record{"Leads": {rec("1", t0)}, "Deals": {rec("9", t0)}}}
		job := newJob(src, &fakeSink{states: map[string]zsync.ModuleState{}}, &now)
		for i := range job.Modules {
			job.Modules[i].Columns = append(job.Modules[i].Columns, zsync.ColumnSpec{Header: "Link", Field: "Name", Link: true})
		}
		org := &refusingOrg{err: tc.err}
		var logs bytes.Buffer
		job.Org, job.Logger = org, zerolog.New(&logs)
		if _, err := job.Run(context.Background(), zsync.RunOptions{}); err != nil {
			t.Fatalf("%v: the run failed: %v", tc.err, err)
		}
		if org.calls != tc.wantCalls || strings.Count(logs.String(), "could not read the CRM organisation") != tc.wantCalls {
			t.Errorf("%v: %d org calls, %d warnings, want %d", tc.err, org.calls,
				strings.Count(logs.String(), "could not read the CRM organisation"), tc.wantCalls)
		}
		now = now.Add(time.Minute) // a daemon on a short schedule: its next run asks again too
		org.calls = 0
		if _, err := job.Run(context.Background(), zsync.RunOptions{}); err != nil || org.calls == 0 {
			t.Errorf("%v: the next run does not ask again (%d calls, %v)", tc.err, org.calls, err)
		}
	}
}
