package sync

import "context"

// Org is what the CRM says about the organisation that shapes the sheet:
// the home currency (currency columns are formatted in it) and the web
// address of records (link columns point there).
type Org struct {
	CurrencyCode   string // ISO 4217 code of the home currency, "EUR" ("" = unknown)
	CurrencySymbol string // "€" ("" = unknown)
}

// OrgSource answers what the sheet's formats and links need from the CRM.
// zoho.Client implements it. Both methods may be called concurrently.
type OrgSource interface {
	// Org returns the organisation's settings.
	Org(ctx context.Context) (Org, error)
	// RecordURL returns a function giving the web address of a record of
	// module by its id, as a person opens it in the CRM.
	RecordURL(ctx context.Context, module string) (func(id string) string, error)
}
