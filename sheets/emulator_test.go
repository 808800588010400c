//go:build emulator

// Tests against the sheets/sheetstest emulator, written to its contract
// (/work/notes/sheets-contract.md) before it existed: run with
// go test -tags emulator ./sheets/ once it builds.

package sheets_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/time/rate"

	"github.com/zoho2sheets/zoho2sheets/sheets"
	"github.com/zoho2sheets/zoho2sheets/sheets/sheetstest"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

const saEmail = "zoho-sync@demo-project.iam.gserviceaccount.com"

// env is one emulator, a shared spreadsheet and a client of it.
type env struct {
	srv    *sheetstest.Server
	id     string
	client *sheets.Client
	ss     *sheets.Spreadsheet
	sleeps atomic.Int64
}

type envOpt struct {
	noListener bool
	share      bool
	quota      int
}

func newEnv(t testing.TB, o envOpt) *env {
	t.Helper()
	q := o.quota
	if q == 0 {
		q = -1
	}
	srv, err := sheetstest.NewServer(sheetstest.Options{NoListener: o.noListener, ReadQuota: q, WriteQuota: q})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	e := &env{srv: srv}
	key := srv.NewServiceAccount(saEmail)
	e.id = srv.CreateSpreadsheet("CRM", "Europe/Berlin")
	if o.share {
		srv.Share(e.id, saEmail)
	}
	creds, err := sheets.CredentialsFromEnv(context.Background(), func(k string) string {
		if k == sheets.EnvCredentialsJSON {
			return string(key)
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := []sheets.Option{sheets.WithCredentials(creds), sheets.WithEndpoint(srv.URL()),
		sheets.WithWriteRate(rate.Inf, 1),
		sheets.WithSleep(func(ctx context.Context, d time.Duration) error { e.sleeps.Add(int64(d)); return ctx.Err() })}
	if o.noListener {
		opts = append(opts, sheets.WithHTTPClient(srv.HTTPClient()))
	}
	e.client, err = sheets.NewClient(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if o.share {
		e.ss, err = e.client.Open(context.Background(), e.id, "")
		if err != nil {
			t.Fatal(err)
		}
	}
	return e
}

var cols = []zsync.Column{
	{Header: "Id", Kind: zsync.KindText},
	{Header: "Name", Kind: zsync.KindText},
	{Header: "Amount", Kind: zsync.KindNumber},
}

func rec(id, name string, amt float64) zsync.Row {
	return zsync.Row{Key: id, Cells: []zsync.Cell{zsync.Text(id), zsync.Text(name), zsync.Number(amt)}}
}

func tbl(rows ...zsync.Row) *zsync.Table {
	return &zsync.Table{Sheet: "Leads", Columns: cols, Key: 0, Rows: rows}
}

func (e *env) upsert(t testing.TB, tb *zsync.Table) zsync.UpsertResult {
	t.Helper()
	res, err := e.ss.Upsert(context.Background(), tb, zsync.UpsertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// text renders the tab's values as strings.
func (e *env) text(sheet string) [][]string {
	var out [][]string
	for _, r := range e.srv.Values(e.id, sheet) {
		var s []string
		for _, v := range r {
			s = append(s, fmt.Sprint(v))
		}
		out = append(out, s)
	}
	return out
}

func (e *env) want(t testing.TB, want [][]string) {
	t.Helper()
	if d := cmp.Diff(want, e.text("Leads"), cmpopts.EquateEmpty()); d != "" {
		t.Errorf("tab (-want +got):\n%s\n%s", d, e.srv.Table(e.id, "Leads"))
	}
}

func both(t *testing.T, f func(t *testing.T, o envOpt)) {
	for _, nl := range []bool{false, true} {
		t.Run(fmt.Sprintf("NoListener=%v", nl), func(t *testing.T) { f(t, envOpt{noListener: nl, share: true}) })
	}
}

func TestEmulatorUpsertAndRerun(t *testing.T) {
	both(t, func(t *testing.T, o envOpt) {
		e := newEnv(t, o)
		res := e.upsert(t, tbl(rec("4150868000000224005", "Acme", 1200.5), rec("2", "Beta", 7)))
		if res.Added != 2 {
			t.Errorf("%+v", res)
		}
		e.want(t, [][]string{{"Id", "Name", "Amount"}, {"4150868000000224005", "Acme", "1200.5"}, {"2", "Beta", "7"}})
		before := e.srv.Stats()
		res = e.upsert(t, tbl(rec("4150868000000224005", "Acme", 1200.5), rec("2", "Beta", 7)))
		if res.Requests != 0 || res.Unchanged != 2 || res.CellsWritten != 0 {
			t.Errorf("unchanged rerun: %+v", res)
		}
		after := e.srv.Stats()
		if after.WriteRequests != before.WriteRequests {
			t.Errorf("unchanged rerun wrote: %+v -> %+v", before, after)
		}
	})
}
