package zoho_test

import (
	"context"
	"errors"
	"testing"

	"github.com/zoho2sheets/zoho2sheets/zoho"
	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

func TestOrgAndRecordURL(t *testing.T) {
	srv, err := zohotest.NewServer(zohotest.Options{NoListener: true, Seed: 1, Records: map[string]int{"Leads": 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	srv.SetOrg(zohotest.Org{ISOCode: "EUR", CurrencySymbol: "€", DomainName: "org20079833178"})
	newClient := func(dc string, scopes ...string) *zoho.Client {
		creds := srv.Credentials()
		if len(scopes) > 0 {
			creds.RefreshToken = srv.NewRefreshToken(scopes...)
		}
		c, err := zoho.NewClient(zoho.WithCredentials(zoho.Credentials{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
			RefreshToken: creds.RefreshToken, DC: dc}), zoho.WithAccountsURL(srv.AccountsURL()), zoho.WithHTTPClient(srv.HTTPClient()))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	c := newClient("eu")
	org, err := c.Org(ctx)
	if err != nil || org.CurrencyCode != "EUR" || org.CurrencySymbol != "€" {
		t.Fatalf("org %+v %v", org, err)
	}
	for module, want := range map[string]string{
		"Leads":  "https://crm.zoho.eu/crm/org20079833178/tab/Leads/4150868000000224005",
		"Deals":  "https://crm.zoho.eu/crm/org20079833178/tab/Potentials/4150868000000224005",
		"Events": "https://crm.zoho.eu/crm/org20079833178/tab/Events/4150868000000224005",
	} {
		link, err := c.RecordURL(ctx, module)
		if err != nil {
			t.Fatalf("%s: %v", module, err)
		}
		if got := link("4150868000000224005"); got != want {
			t.Errorf("%s: %s, want %s", module, got, want)
		}
	}
	calls := srv.Stats().Calls["GET /crm/v8/org"]
	if _, err := c.Org(ctx); err != nil || srv.Stats().Calls["GET /crm/v8/org"] != calls {
		t.Fatalf("the org is read once per client: %v, %d calls", err, srv.Stats().Calls["GET /crm/v8/org"])
	}
	mods := srv.Stats().Calls["GET /crm/v8/settings/modules/Deals"]
	if _, err := c.RecordURL(ctx, "Deals"); err != nil || mods != 1 || srv.Stats().Calls["GET /crm/v8/settings/modules/Deals"] != 1 {
		t.Fatalf("a module's tab is read once per client: %v, %d calls", err, srv.Stats().Calls["GET /crm/v8/settings/modules/Deals"])
	}
	// Canada's UI is on zohocloud.ca.
	if link, err := newClient("ca").RecordURL(ctx, "Leads"); err != nil || link("1") != "https://crm.zohocloud.ca/crm/org20079833178/tab/Leads/1" {
		t.Fatalf("ca: %v", err)
	}
	// A token granted before the org scope was needed: a scope error with a hint.
	_, err = newClient("eu", "ZohoCRM.modules.READ", "ZohoCRM.settings.modules.READ", "ZohoCRM.settings.fields.READ").Org(ctx)
	var ae *zoho.APIError
	if !errors.As(err, &ae) || ae.Code != "OAUTH_SCOPE_MISMATCH" || ae.Hint() == "" {
		t.Fatalf("without ZohoCRM.org.READ: %v", err)
	}
}
