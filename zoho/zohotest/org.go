package zohotest

import (
	"net/http"
)

// Org is the emulated organisation as GET /crm/v8/org describes it
// (reference §4a.1). Only the keys a sync uses are emulated.
type Org struct {
	ID, ZGID, DomainName string
	CompanyName          string
	Currency             string // home currency name, "US Dollar - USD"
	ISOCode              string // "USD"
	CurrencySymbol       string // "$"
	TimeZone             string // IANA id
}

// org is the default org: domain_name is "org"+zgid as in every sample.
func defaultOrg() Org {
	return Org{ID: "5725767000000020005", ZGID: OrgID, DomainName: "org" + OrgID, CompanyName: "Zylker Demo",
		Currency: "US Dollar - USD", ISOCode: "USD", CurrencySymbol: "$"}
}

// SetOrg changes what GET /crm/v8/org answers, e.g. another home currency.
// Empty fields keep their value.
func (s *Server) SetOrg(o Org) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.orgLocked()
	for _, f := range []struct {
		dst *string
		v   string
	}{
		{&cur.ID, o.ID}, {&cur.ZGID, o.ZGID}, {&cur.DomainName, o.DomainName}, {&cur.CompanyName, o.CompanyName},
		{&cur.Currency, o.Currency}, {&cur.ISOCode, o.ISOCode}, {&cur.CurrencySymbol, o.CurrencySymbol}, {&cur.TimeZone, o.TimeZone},
	} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	s.org = &cur
}

func (s *Server) orgLocked() Org {
	if s.org == nil {
		o := defaultOrg()
		o.TimeZone = "UTC"
		if s.loc != nil {
			o.TimeZone = s.loc.String()
		}
		return o
	}
	return *s.org
}

// getOrg serves GET /crm/v8/org: {"org":[{…}]}, one object in an array
// (scope ZohoCRM.org.READ or ZohoCRM.org.ALL).
func (c *call) getOrg() {
	if !c.requireScope("ZohoCRM.org.READ", "ZohoCRM.org.ALL") {
		return
	}
	c.s.mu.Lock()
	o := c.s.orgLocked()
	c.s.mu.Unlock()
	writeJSON(c.w, http.StatusOK, map[string]any{"org": []any{map[string]any{
		"id": o.ID, "zgid": o.ZGID, "domain_name": o.DomainName, "company_name": o.CompanyName,
		"primary_email": "admin@zylker.example", "type": "production", "currency": o.Currency,
		"iso_code": o.ISOCode, "currency_symbol": o.CurrencySymbol, "currency_locale": o.ISOCode,
		"mc_status": false, "time_zone": o.TimeZone, "country": nil, "country_code": "US",
	}}})
}
