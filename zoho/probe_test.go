package zoho_test

import (
	"context"
	"strings"
	"testing"

	"github.com/zoho2sheets/zoho2sheets/zoho"
)

// ProbeCOQL learns before any read what the first read would: a token
// without the COQL or users scope reads through Get Records.
func TestProbeCOQLLearnsTheReadPath(t *testing.T) {
	e := newEmulator(t, map[string]int{"Deals": 3})
	creds := e.srv.Credentials()
	base := []string{"ZohoCRM.modules.READ", "ZohoCRM.settings.modules.READ", "ZohoCRM.settings.fields.READ"}
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{[]string{"ZohoCRM.users.READ", "ZohoCRM.coql.READ"}, zoho.PathCOQL},
		{[]string{"ZohoCRM.users.READ"}, zoho.PathGetRecords},
		{[]string{"ZohoCRM.coql.READ"}, zoho.PathGetRecords},
	} {
		tok := e.srv.NewRefreshToken(append(base, tc.extra...)...)
		c := e.client(t, zoho.WithCredentials(zoho.Credentials{ClientID: creds.ClientID, ClientSecret: creds.ClientSecret, RefreshToken: tok}))
		if err := c.ProbeCOQL(context.Background(), "Deals"); err != nil {
			t.Fatalf("%v: %v", tc.extra, err)
		}
		p, err := c.ReadPath(context.Background(), "Deals", []string{"Deal_Name"})
		if err != nil || p.Name != tc.want {
			t.Errorf("scopes %v: path %+v (%v), want %s", tc.extra, p, err, tc.want)
		}
		if tc.want == zoho.PathGetRecords && !strings.Contains(p.Reason, "zoho2sheets auth") {
			t.Errorf("scopes %v: reason %q does not say how to allow COQL", tc.extra, p.Reason)
		}
	}
	// Any other failure is the caller's to report.
	c := e.client(t)
	if err := c.ProbeCOQL(context.Background(), "Nope"); err == nil {
		t.Error("probing an unknown module: no error")
	}
}
