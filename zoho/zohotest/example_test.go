package zohotest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// A client test starts an in-process emulator, mints an access token with
// the emulator's credentials and lists records like against Zoho.
func Example() {
	srv, err := zohotest.NewServer(zohotest.Options{NoListener: true, Seed: 1, Records: map[string]int{"Deals": 3}})
	if err != nil {
		panic(err)
	}
	defer srv.Stop()
	hc := srv.HTTPClient()
	c := srv.Credentials()

	resp, _ := hc.PostForm(srv.AccountsURL()+"/oauth/v2/token", url.Values{
		"grant_type": {"refresh_token"}, "client_id": {c.ClientID},
		"client_secret": {c.ClientSecret}, "refresh_token": {c.RefreshToken}})
	var tok struct {
		AccessToken string `json:"access_token"`
		APIDomain   string `json:"api_domain"`
	}
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()

	req, _ := http.NewRequest("GET", tok.APIDomain+"/crm/v8/Deals?fields=Deal_Name,Stage", nil)
	req.Header.Set("Authorization", "Zoho-oauthtoken "+tok.AccessToken)
	resp, _ = hc.Do(req)
	var page struct {
		Data []map[string]any
		Info struct {
			Count       int  `json:"count"`
			MoreRecords bool `json:"more_records"`
		}
	}
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, page.Info.Count, page.Info.MoreRecords)
	// Output: 200 3 false
}
