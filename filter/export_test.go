package filter

import "strings"

// Format writes n back as filter text, canonically: keywords in lower case,
// one space between tokens, relative dates kept, every and/or pair inside
// another bracketed. Parsing the result gives the same condition. Only the
// tests need it (the round trip checks the parser); the product renders
// filters as COQL (Bound.Where).
func Format(n Node) string {
	var b strings.Builder
	write(&b, n, true, func(_ *Cond, v Value) string { return formatValue(v) })
	return b.String()
}
