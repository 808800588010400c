package zoho

import (
	"context"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// Past the page-token chain, a Get Records read (Tag keeps it off COQL)
// continues with Bulk Read, which exports lookups as ids: the tail's rows
// still get every lookup's name (the layout's too), owners their full names.
func TestBulkTailRowsGetLookupNames(t *testing.T) {
	srv, err := zohotest.NewServer(zohotest.Options{NoListener: true, Seed: 5,
		Records: map[string]int{"Leads": 1500, "Accounts": 30, "Contacts": 30, "Deals": 30}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	cr := srv.Credentials()
	c, err := NewClient(WithCredentials(Credentials{ClientID: cr.ClientID, ClientSecret: cr.ClientSecret, RefreshToken: cr.RefreshToken}),
		WithHTTPClient(srv.HTTPClient()), WithAccountsURL(srv.AccountsURL()), WithClock(srv.Now),
		WithSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() }))
	if err != nil {
		t.Fatal(err)
	}
	c.chainLimit, c.bulkMin = 400, 400
	fields := []string{"Tag", "Last_Name", "Owner", "Converted_Account", "Converted_Contact", "Layout"}
	if p, _ := c.ReadPath(context.Background(), "Leads", fields); p.Name != PathGetRecords {
		t.Fatalf("path %+v", p)
	}
	n, named := 0, 0
	for r, err := range c.Records(context.Background(), "Leads", zsync.ReadOptions{Fields: fields}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		want, _ := srv.Record("Leads", r.ID)
		for _, f := range []string{"Owner", "Converted_Account", "Converted_Contact", "Layout"} {
			w, _ := want[f].(map[string]any)
			got, _ := r.Fields[f].(zsync.Lookup)
			if w == nil {
				if r.Fields[f] != nil {
					t.Fatalf("lead %s %s = %v, want empty", r.ID, f, r.Fields[f])
				}
				continue
			}
			if got.ID != w["id"] || got.Name != w["name"] || got.Name == "" {
				t.Fatalf("lead %s %s = %+v, want %v", r.ID, f, got, w)
			}
			named++
		}
	}
	if n != 1500 {
		t.Fatalf("read %d of 1500", n)
	}
	st := srv.Stats()
	if st.Responses["POST /crm/bulk/v8/read 201"] == 0 || st.Calls["POST /crm/v8/coql"] == 0 || st.Calls["GET /crm/v8/users"] != 1 {
		t.Fatalf("no Bulk Read tail named through COQL and /users: %v", st.Calls)
	}
	if named < 3000 {
		t.Fatalf("%d named lookups", named)
	}
}
