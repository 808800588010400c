package zoho

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

var _ zsync.OrgSource = (*Client)(nil)

// orgInfo is the part of GET /crm/v8/org a sync uses (reference §4a.1).
type orgInfo struct {
	DomainName     string `json:"domain_name"`
	ISOCode        string `json:"iso_code"`
	CurrencySymbol string `json:"currency_symbol"`
}

// org reads the organisation once per client (GET /crm/v8/org, scope
// ZohoCRM.org.READ); a failure is not cached, so the next call retries.
func (c *Client) org(ctx context.Context) (orgInfo, error) {
	c.metaMu.Lock()
	if c.orgCache != nil {
		o := *c.orgCache
		c.metaMu.Unlock()
		return o, nil
	}
	c.metaMu.Unlock()
	var body struct {
		Org []orgInfo `json:"org"`
	}
	found, err := c.getJSON(ctx, "read the organisation", "/crm/v8/org", nil, &body)
	if err != nil {
		return orgInfo{}, err
	}
	if !found || len(body.Org) == 0 {
		return orgInfo{}, fmt.Errorf("zoho: read the organisation: the answer holds no org")
	}
	o := body.Org[0]
	c.metaMu.Lock()
	c.orgCache = &o
	c.metaMu.Unlock()
	return o, nil
}

// Org returns the org's home currency (GET /crm/v8/org, scope
// ZohoCRM.org.READ). A token without that scope gives an *APIError
// OAUTH_SCOPE_MISMATCH whose hint says to run auth again.
// https://www.zoho.com/crm/developer/docs/api/v8/get-org-data.html
func (c *Client) Org(ctx context.Context) (zsync.Org, error) {
	o, err := c.org(ctx)
	if err != nil {
		return zsync.Org{}, err
	}
	return zsync.Org{CurrencyCode: o.ISOCode, CurrencySymbol: o.CurrencySymbol}, nil
}

// RecordURL returns the web address of module's records:
//
//	https://crm.zoho.<suffix>/crm/<domain_name>/tab/<Tab>/<id>
//
// This form is not documented by Zoho (reference §4a.3, UNCONFIRMED); it is
// the one public code uses. The host is the CRM UI of the data centre whose
// API the client talks to (www.zohoapis.eu → crm.zoho.eu; Canada:
// crm.zohocloud.ca); an API domain that is no Zoho host (an emulator, a
// proxy) falls back to the configured data centre. <Tab> is the module's
// module_name from the modules API (Deals → Potentials; custom modules
// CustomModule3), except Events, whose tab is Events. Without the org's
// domain_name (a token lacking ZohoCRM.org.READ) the error says so.
func (c *Client) RecordURL(ctx context.Context, module string) (func(id string) string, error) {
	o, err := c.org(ctx)
	if err != nil {
		return nil, err
	}
	tab, err := c.uiTab(ctx, module)
	if err != nil {
		return nil, err
	}
	base := "https://" + c.uiHost() + "/crm/" + url.PathEscape(o.DomainName) + "/tab/" + url.PathEscape(tab) + "/"
	return func(id string) string { return base + url.PathEscape(id) }, nil
}

// uiHost is the CRM web host of the client's data centre.
func (c *Client) uiHost() string {
	suffix := func(apiDomain string) string {
		u, err := url.Parse(apiDomain)
		if err != nil {
			return ""
		}
		h := strings.ToLower(u.Hostname())
		_, s, ok := strings.Cut(h, "zohoapis.")
		if !ok || s == "" {
			return ""
		}
		return s
	}
	s := suffix(c.APIDomain())
	if s == "" {
		dc, err := LookupDC(c.creds.DC)
		if err != nil {
			dc = DataCenters[DefaultDC]
		}
		s = suffix(dc.APIDomain)
	}
	if s == "ca" {
		return "crm.zohocloud.ca"
	}
	return "crm.zoho." + s
}

// uiTab is the path segment of a module in web UI links.
func (c *Client) uiTab(ctx context.Context, module string) (string, error) {
	if strings.EqualFold(module, "Events") {
		return "Events", nil
	}
	c.metaMu.Lock()
	tab, ok := c.uiTabs[module]
	c.metaMu.Unlock()
	if ok {
		return tab, nil
	}
	var body struct {
		Modules []struct {
			APIName    string `json:"api_name"`
			ModuleName string `json:"module_name"`
		} `json:"modules"`
	}
	if _, err := c.getJSON(ctx, "read module "+module, "/crm/v8/settings/modules/"+url.PathEscape(module), nil, &body); err != nil {
		return "", err
	}
	tab = module
	for _, m := range body.Modules {
		if m.ModuleName != "" {
			tab = m.ModuleName
			break
		}
	}
	c.metaMu.Lock()
	if c.uiTabs == nil {
		c.uiTabs = map[string]string{}
	}
	c.uiTabs[module] = tab
	c.metaMu.Unlock()
	return tab, nil
}
