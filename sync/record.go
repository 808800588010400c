package sync

import (
	"fmt"
	"time"
)

// Record is one CRM record. Fields holds every value the source returned,
// keyed by the field's API name, decoded into the Go types listed on Value.
type Record struct {
	// ID is the record id; always a string so that no digit is ever lost.
	ID string
	// Modified is the record's Modified_Time (zero when unknown).
	Modified time.Time
	// Fields maps field API names to decoded values (see Value).
	Fields map[string]Value
}

// Value is the decoded value of one CRM field. Its dynamic type is one of:
//
//	nil                 empty field (JSON null or absent)
//	string              text, picklist, email, phone, bigint, autonumber…
//	int64               integer
//	float64             double, currency, percent, decimal
//	bool                boolean
//	Date                date (a calendar day, no zone)
//	time.Time           datetime (with the offset Zoho sent)
//	Lookup              lookup, owner, user and layout fields
//	[]string            multi-select picklist
//	[]Value             other arrays: tags ([]Value of Lookup), subforms,
//	                    multi-lookups ([]Value of map[string]Value)
//	map[string]Value    any other JSON object
type Value = any

// Lookup is a reference to another record or a user, as Zoho returns for
// lookup, owner and user fields.
type Lookup struct {
	ID    string
	Name  string
	Email string // owner and user lookups only
}

// Date is a calendar day without a time zone, as Zoho's date fields are.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a Zoho date ("2006-01-02").
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Deletion is a record that was deleted in the CRM.
type Deletion struct {
	ID      string
	Deleted time.Time
}

// Field describes one field of a CRM module.
type Field struct {
	APIName  string
	Label    string
	DataType string // Zoho data_type: text, datetime, lookup, ownerlookup, …
	JSONType string // Zoho json_type: string, integer, double, boolean, jsonobject, jsonarray
	// LookupModule is the module a lookup field points at ("" otherwise).
	LookupModule string
	ReadOnly     bool
	// Decimals is the number of decimal places the CRM shows for a number
	// field (a currency's precision, else decimal_place); nil when unknown.
	Decimals *int
}

// Module describes one CRM module.
type Module struct {
	APIName      string
	Label        string
	APISupported bool
}
