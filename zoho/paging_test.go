package zoho_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// Misbehaving paging answers (from the emulator's Paging faults, acting on
// every request they match) end the read with a *PagingError that says
// what the server did, before a record is yielded twice. A client that
// trusts them loops until the context ends (the test then fails on the
// deadline error) or ends early without an error.
func TestPagingMisbehaviourStops(t *testing.T) {
	since := zohotest.DefaultStart.Add(-365 * 24 * time.Hour)
	for _, tc := range []struct {
		name  string
		fault zohotest.Fault
		coql  bool   // read with COQL (users are read for Owner)
		read  string // "records" of Leads, or "deleted" Contacts
		want  string
	}{
		{"RecordsTokenRepeated", zohotest.Fault{Path: "/crm/v8/Leads", Paging: zohotest.PageTokenRepeated},
			false, "records", "list Leads: Zoho's paging misbehaved: it sent the same page token twice (400 records read)"},
		{"RecordsEmptyPage", zohotest.Fault{Path: "/crm/v8/Leads", Paging: zohotest.PageEmpty, After: 1},
			false, "records", "list Leads: Zoho's paging misbehaved: it sent an empty page that says more records follow (200 records read)"},
		{"RecordsPageRepeated", zohotest.Fault{Path: "/crm/v8/Leads", Paging: zohotest.PageRepeated},
			false, "records", "list Leads: Zoho's paging misbehaved: it sent the same page twice"},
		{"RecordsSmallPageRepeated", zohotest.Fault{Path: "/crm/v8/Contacts", Paging: zohotest.PageRepeated},
			false, "contacts", "list Contacts: Zoho's paging misbehaved: it answered page 1 when asked for page 2"},
		{"COQLPageRepeated", zohotest.Fault{Path: "/crm/v8/coql", Paging: zohotest.PageRepeated},
			true, "records", "coql Leads: Zoho's paging misbehaved: it sent the same page twice"},
		{"COQLEmptyPage", zohotest.Fault{Path: "/crm/v8/coql", Paging: zohotest.PageEmpty},
			true, "records", "coql Leads: Zoho's paging misbehaved: it sent an empty page"},
		{"UsersPageRepeated", zohotest.Fault{Path: "/crm/v8/users", Paging: zohotest.PageRepeated},
			true, "records", "list users: Zoho's paging misbehaved: it answered page 1 when asked for page 2"},
		{"UsersEmptyPage", zohotest.Fault{Path: "/crm/v8/users", Paging: zohotest.PageEmpty},
			true, "records", "list users: Zoho's paging misbehaved: it sent an empty page that says more records follow (0 records read)"},
		{"DeletedPageRepeated", zohotest.Fault{Path: "/crm/v8/Contacts/deleted", Paging: zohotest.PageRepeated},
			false, "deleted", "list deleted Contacts: Zoho's paging misbehaved: it answered page 1 when asked for page 2"},
		{"DeletedEmptyPage", zohotest.Fault{Path: "/crm/v8/Contacts/deleted", Paging: zohotest.PageEmpty},
			false, "deleted", "list deleted Contacts: Zoho's paging misbehaved: it sent an empty page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEmulator(t, map[string]int{"Leads": 500, "Contacts": 100})
			var opts []zoho.Option
			if !tc.coql {
				opts = append(opts, zoho.WithoutCOQL())
			}
			c := e.client(t, opts...)
			tc.fault.Times = -1
			e.srv.InjectFault(tc.fault)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			seen := map[string]bool{}
			var err error
			switch tc.read {
			case "deleted":
				for d, derr := range c.Deleted(ctx, "Contacts", since) {
					if err = derr; err != nil {
						break
					}
					if seen[d.ID] {
						t.Fatalf("deletion %s yielded twice", d.ID)
					}
					seen[d.ID] = true
				}
			default:
				module, fields := "Leads", []string{"Last_Name", "Owner"}
				if tc.read == "contacts" {
					module = "Contacts"
				}
				for r, rerr := range c.Records(ctx, module, zsync.ReadOptions{Fields: fields}) {
					if err = rerr; err != nil {
						break
					}
					if seen[r.ID] {
						t.Fatalf("record %s yielded twice", r.ID)
					}
					seen[r.ID] = true
				}
			}
			var pe *zoho.PagingError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("after %d items: %v\nwant a *PagingError with %q", len(seen), err, tc.want)
			}
			if !strings.Contains(err.Error(), "retry later") {
				t.Errorf("%v: does not say what to do", err)
			}
			e.assertNoSecrets(t, err.Error()+e.logs.String())
		})
	}
}

// A page token that outlived its 24 hours (EXPIRED_VALUE) ends its chain
// like the 100,000-record cap: a new chain reads the rest, every record once.
func TestPageTokenExpiryStartsNewChain(t *testing.T) {
	e := newEmulator(t, map[string]int{"Leads": 500})
	c := e.client(t, zoho.WithoutCOQL())
	want := len(readAll(t, c, "Leads", zsync.ReadOptions{Fields: []string{"Last_Name"}}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var recs []zsync.Record
	for r, err := range c.Records(ctx, "Leads", zsync.ReadOptions{Fields: []string{"Last_Name"}}) {
		if err != nil {
			t.Fatalf("after %d records: %v", len(recs), err)
		}
		if recs = append(recs, r); len(recs) == 1 {
			e.srv.Advance(25 * time.Hour) // the chain's token expires before page 2
		}
	}
	assertEachOnce(t, recs, want)
	if got := e.srv.Stats().Codes["EXPIRED_VALUE"]; got != 1 {
		t.Errorf("%d EXPIRED_VALUE answers, want the one that ended the chain", got)
	}
}
