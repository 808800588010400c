package sheetstest

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// epoch is day 0 of Sheets' serial dates.
var epoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

func (f *numFmt) isDate() bool {
	return f != nil && (f.typ == "DATE" || f.typ == "TIME" || f.typ == "DATE_TIME")
}

// serialTime turns a serial number into a wall-clock time (UTC fields).
func serialTime(n float64) time.Time {
	ms := math.Round(n * 86400 * 1000)
	return epoch.Add(time.Duration(ms) * time.Millisecond)
}

// timeSerial is the serial number of t's wall clock.
func timeSerial(t time.Time) float64 {
	w := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	return w.Sub(epoch).Hours() / 24
}

// Default patterns per number format type (en_US spreadsheet locale).
var defaultPatterns = map[string]string{
	"NUMBER":     "#,##0.00",
	"PERCENT":    "0.00%",
	"CURRENCY":   `"$"#,##0.00`,
	"SCIENTIFIC": "0.00E+00",
	"DATE":       "m/d/yyyy",
	"TIME":       "h:mm:ss am/pm",
	"DATE_TIME":  "m/d/yyyy h:mm:ss",
}

// formatNumber renders n as FORMATTED_VALUE does under format f.
func formatNumber(n float64, f *numFmt) string {
	if f == nil || f.typ == "TEXT" || f.typ == "" && f.pattern == "" {
		return general(n)
	}
	p := f.pattern
	if p == "" {
		p = defaultPatterns[f.typ]
	}
	if f.isDate() || f.typ == "" && looksDate(p) {
		return formatDate(n, p)
	}
	return formatNumeric(n, p)
}

// general is the "Automatic" format: plain up to 15 significant digits,
// scientific for huge numbers (4150868000000224005 → 4.15087E+18).
func general(n float64) string {
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return "#NUM!"
	}
	if a := math.Abs(n); a >= 1e15 || a != 0 && a < 1e-9 {
		s := strconv.FormatFloat(n, 'E', 5, 64)
		mant, exp, _ := strings.Cut(s, "E")
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		if len(exp) == 3 && (exp[1] == '0') { // E+08 → E+08 (two digits kept)
			return mant + "E" + exp
		}
		return mant + "E" + exp
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(n, 'g', 15, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

func looksDate(p string) bool {
	l := strings.ToLower(p)
	return strings.ContainsAny(l, "ydhs") && !strings.ContainsAny(l, "0#")
}

type dateTok struct {
	kind string // y, m, d, h, s, ampm, lit
	n    int
	lit  string
}

func formatDate(n float64, p string) string {
	t := serialTime(n)
	var toks []dateTok
	hasAMPM := false
	for i := 0; i < len(p); {
		c := p[i]
		lc := c | 0x20
		switch {
		case c == '"':
			j := strings.IndexByte(p[i+1:], '"')
			if j < 0 {
				toks = append(toks, dateTok{kind: "lit", lit: p[i+1:]})
				i = len(p)
				continue
			}
			toks = append(toks, dateTok{kind: "lit", lit: p[i+1 : i+1+j]})
			i += j + 2
		case c == '\\' && i+1 < len(p):
			toks = append(toks, dateTok{kind: "lit", lit: p[i+1 : i+2]})
			i += 2
		case strings.HasPrefix(strings.ToLower(p[i:]), "am/pm"):
			toks = append(toks, dateTok{kind: "ampm", lit: p[i : i+5]})
			hasAMPM = true
			i += 5
		case strings.HasPrefix(strings.ToLower(p[i:]), "a/p"):
			toks = append(toks, dateTok{kind: "ap", lit: p[i : i+3]})
			hasAMPM = true
			i += 3
		case lc == 'y' || lc == 'm' || lc == 'd' || lc == 'h' || lc == 's':
			j := i
			for j < len(p) && p[j]|0x20 == lc {
				j++
			}
			toks = append(toks, dateTok{kind: string(lc), n: j - i})
			i = j
		default:
			toks = append(toks, dateTok{kind: "lit", lit: p[i : i+1]})
			i++
		}
	}
	// m after h or before s is minutes.
	for i := range toks {
		if toks[i].kind != "m" || toks[i].n > 2 {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			if k := toks[j].kind; k != "lit" {
				if k == "h" {
					toks[i].kind = "min"
				}
				break
			}
		}
		for j := i + 1; j < len(toks); j++ {
			if k := toks[j].kind; k != "lit" {
				if k == "s" {
					toks[i].kind = "min"
				}
				break
			}
		}
	}
	var b strings.Builder
	two := func(v, n int) {
		if n >= 2 && v < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(v))
	}
	for _, tk := range toks {
		switch tk.kind {
		case "lit":
			b.WriteString(tk.lit)
		case "y":
			if tk.n <= 2 {
				two(t.Year()%100, 2)
			} else {
				b.WriteString(strconv.Itoa(t.Year()))
			}
		case "m":
			switch {
			case tk.n >= 5:
				b.WriteString(t.Month().String()[:1])
			case tk.n == 4:
				b.WriteString(t.Month().String())
			case tk.n == 3:
				b.WriteString(t.Month().String()[:3])
			default:
				two(int(t.Month()), tk.n)
			}
		case "d":
			switch {
			case tk.n >= 4:
				b.WriteString(t.Weekday().String())
			case tk.n == 3:
				b.WriteString(t.Weekday().String()[:3])
			default:
				two(t.Day(), tk.n)
			}
		case "h":
			h := t.Hour()
			if hasAMPM {
				h %= 12
				if h == 0 {
					h = 12
				}
			}
			two(h, tk.n)
		case "min":
			two(t.Minute(), tk.n)
		case "s":
			two(t.Second(), tk.n)
		case "ampm":
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case "ap":
			if t.Hour() < 12 {
				b.WriteString("A")
			} else {
				b.WriteString("P")
			}
		}
	}
	return b.String()
}

// formatNumeric handles patterns such as #,##0.00, 0%, "$"#,##0.00, 0.00E+00.
func formatNumeric(n float64, p string) string {
	if i := strings.IndexByte(p, ';'); i >= 0 {
		p = p[:i]
	}
	var prefix, suffix, core strings.Builder
	seenDigit, percent := false, false
	for i := 0; i < len(p); i++ {
		c := p[i]
		var lit string
		switch {
		case c == '"':
			j := strings.IndexByte(p[i+1:], '"')
			if j < 0 {
				j = len(p) - i - 1
			}
			lit = p[i+1 : i+1+j]
			i += j + 1
		case c == '\\' && i+1 < len(p):
			lit = p[i+1 : i+2]
			i++
		case c == '0' || c == '#' || c == '?' || c == ',' || c == '.' ||
			(c == 'E' || c == 'e') && i+1 < len(p) && (p[i+1] == '+' || p[i+1] == '-'):
			seenDigit = true
			core.WriteByte(c)
			if c == 'E' || c == 'e' {
				core.WriteByte(p[i+1])
				i++
			}
			continue
		default:
			lit = string(c)
			percent = percent || c == '%' // a quoted or escaped % is only text
		}
		if seenDigit {
			suffix.WriteString(lit)
		} else {
			prefix.WriteString(lit)
		}
	}
	pat := core.String()
	if percent {
		n *= 100
	}
	neg := n < 0
	a := math.Abs(n)
	var body string
	if e := strings.IndexAny(pat, "Ee"); e >= 0 {
		dec := 0
		if d := strings.IndexByte(pat[:e], '.'); d >= 0 {
			dec = e - d - 1
		}
		s := strconv.FormatFloat(a, 'E', dec, 64)
		mant, exp, _ := strings.Cut(s, "E")
		sign := exp[0]
		digits := strings.TrimLeft(exp[1:], "0")
		want := len(pat) - e - 2
		for len(digits) < want {
			digits = "0" + digits
		}
		body = mant + "E" + string(sign) + digits
	} else {
		intPat, decPat, _ := strings.Cut(pat, ".")
		minDec := strings.Count(decPat, "0")
		maxDec := minDec + strings.Count(decPat, "#") + strings.Count(decPat, "?")
		s := strconv.FormatFloat(a, 'f', maxDec, 64)
		ip, dp, _ := strings.Cut(s, ".")
		for len(dp) > minDec && strings.HasSuffix(dp, "0") {
			dp = dp[:len(dp)-1]
		}
		minInt := strings.Count(intPat, "0")
		if ip == "0" && minInt == 0 {
			ip = ""
		}
		for len(ip) < minInt {
			ip = "0" + ip
		}
		if strings.Contains(intPat, ",") && len(ip) > 3 {
			var g strings.Builder
			for i, ch := range ip {
				if i > 0 && (len(ip)-i)%3 == 0 {
					g.WriteByte(',')
				}
				g.WriteRune(ch)
			}
			ip = g.String()
		}
		body = ip
		if dp != "" {
			body += "." + dp
		}
	}
	out := prefix.String() + body + suffix.String()
	if neg && strings.Trim(body, "0.,") != "" {
		out = "-" + out
	}
	return out
}

// parseUserEntered interprets text as if typed into the UI (en_US).
func parseUserEntered(s string) cell {
	switch {
	case strings.HasPrefix(s, "'"):
		return cell{k: kString, s: s[1:]}
	case len(s) > 1 && s[0] == '=':
		return cell{k: kFormula, s: s}
	}
	t := strings.TrimSpace(s)
	switch strings.ToUpper(t) {
	case "TRUE":
		return cell{k: kBool, n: 1}
	case "FALSE":
		return cell{k: kBool}
	}
	if n, f, ok := parseNumberish(t); ok {
		return cell{k: kNumber, n: n, f: f}
	}
	if n, f, ok := parseDateish(t); ok {
		return cell{k: kNumber, n: n, f: f}
	}
	if len(t) > 1 && (t[0] == '+' || t[0] == '-') {
		// Typed in the UI, a leading + or - starts a formula.
		return cell{k: kFormula, s: "=" + t}
	}
	return cell{k: kString, s: s}
}

var (
	fmtPercent    = &numFmt{"PERCENT", "0%"}
	fmtPercent2   = &numFmt{"PERCENT", "0.00%"}
	fmtCurrency   = &numFmt{"CURRENCY", `"$"#,##0.00`}
	fmtGrouped    = &numFmt{"NUMBER", "#,##0"}
	fmtGrouped2   = &numFmt{"NUMBER", "#,##0.00"}
	fmtISODate    = &numFmt{"DATE", "yyyy-mm-dd"}
	fmtISODT      = &numFmt{"DATE_TIME", "yyyy-mm-dd hh:mm:ss"}
	fmtUSDate     = &numFmt{"DATE", "m/d/yyyy"}
	fmtUSDateTime = &numFmt{"DATE_TIME", "m/d/yyyy h:mm:ss"}
	fmtTime       = &numFmt{"TIME", "h:mm:ss"}
)

func parseNumberish(t string) (float64, *numFmt, bool) {
	if t == "" {
		return 0, nil, false
	}
	neg := false
	var f *numFmt
	if t[0] == '-' || t[0] == '+' {
		neg = t[0] == '-'
		t = t[1:]
	}
	if strings.HasPrefix(t, "$") {
		t, f = t[1:], fmtCurrency
	}
	pct := false
	if strings.HasSuffix(t, "%") {
		t, pct = t[:len(t)-1], true
	}
	if t == "" || t[0] == '+' || t[0] == '-' {
		return 0, nil, false
	}
	if strings.Contains(t, ",") {
		ip, dp, hasDec := strings.Cut(t, ".")
		groups := strings.Split(ip, ",")
		for i, g := range groups {
			if i > 0 && len(g) != 3 || i == 0 && (len(g) == 0 || len(g) > 3) {
				return 0, nil, false
			}
		}
		t = strings.Join(groups, "")
		if hasDec {
			t += "." + dp
		}
		if f == nil {
			f = fmtGrouped
			if hasDec {
				f = fmtGrouped2
			}
		}
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || (c == '+' || c == '-') && i > 0 && (t[i-1]|0x20) == 'e') {
			return 0, nil, false
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, nil, false
	}
	if neg {
		n = -n
	}
	if pct {
		n /= 100
		f = fmtPercent
		if strings.Contains(t, ".") {
			f = fmtPercent2
		}
	}
	return n, f, true
}

var dateLayouts = []struct {
	layout string
	f      *numFmt
}{
	{"2006-01-02", fmtISODate},
	{"2006-01-02 15:04", fmtISODT},
	{"2006-01-02 15:04:05", fmtISODT},
	{"2006/01/02", fmtISODate},
	{"1/2/2006", fmtUSDate},
	{"1/2/2006 15:04", fmtUSDateTime},
	{"1/2/2006 15:04:05", fmtUSDateTime},
	{"15:04", fmtTime},
	{"15:04:05", fmtTime},
}

func parseDateish(t string) (float64, *numFmt, bool) {
	if len(t) < 4 || len(t) > 19 || !strings.ContainsAny(t, "-/:") {
		return 0, nil, false
	}
	for _, l := range dateLayouts {
		if tm, err := time.Parse(l.layout, t); err == nil {
			n := timeSerial(tm)
			if l.f == fmtTime {
				n -= math.Floor(n)
			}
			return n, l.f, true
		}
	}
	return 0, nil, false
}

// evalFormula gives the value of the few formulas the emulator computes
// (literals and HYPERLINK); any other formula reads as its own text.
func evalFormula(c cell) cell {
	body := strings.TrimSpace(strings.TrimPrefix(c.s, "="))
	if n, err := strconv.ParseFloat(body, 64); err == nil {
		return cell{k: kNumber, n: n, f: c.f}
	}
	if s, ok := stringLiteral(body); ok {
		return cell{k: kString, s: s}
	}
	switch strings.ToUpper(body) {
	case "TRUE", "TRUE()":
		return cell{k: kBool, n: 1}
	case "FALSE", "FALSE()":
		return cell{k: kBool}
	}
	if up := strings.ToUpper(body); strings.HasPrefix(up, "HYPERLINK(") && strings.HasSuffix(body, ")") {
		args := splitArgs(body[len("HYPERLINK(") : len(body)-1])
		if len(args) >= 1 {
			last := args[len(args)-1]
			if s, ok := stringLiteral(strings.TrimSpace(last)); ok {
				return cell{k: kString, s: s}
			}
		}
	}
	return cell{k: kString, s: c.s}
}

func stringLiteral(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	in := s[1 : len(s)-1]
	if strings.Contains(strings.ReplaceAll(in, `""`, ""), `"`) {
		return "", false
	}
	return strings.ReplaceAll(in, `""`, `"`), true
}

func splitArgs(s string) []string {
	var out []string
	depth, inStr, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
