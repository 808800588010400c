// Package sync is the domain of zoho2sheets: CRM records, the typed cells a
// mapping turns them into, the tables written to a sheet, and the Job that
// moves one to the other.
//
// The package depends on neither Zoho nor Google. The zoho and sheets
// packages adapt one system each and import this one for its types, so the
// job can be tested with in-memory fakes and wired in main.
//
// The name shadows the standard library's sync; import it as zsync.
package sync
