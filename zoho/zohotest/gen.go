package zohotest

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// gen is the context of one seeded record's generated values. Values are
// computed on demand from (seed, module, index, field), so a seeded
// record costs a few words of memory and seeding 100,000 is instant.
type gen struct {
	s *Server
	m *module
	r *record
}

// val returns another field of the same record (overrides first), so
// fields can depend on each other (Full_Name on First_Name, …).
func (g *gen) val(api string) any { return g.s.value(g.m, g.r, g.m.schema.field(api)) }

func (g *gen) h() hasher { return g.r.h }

// user is a CRM user: owner lookups carry name, id and email; /users
// and COQL also need the last name.
type user struct{ name, id, email, last string }

// lastName is what COQL returns as a user lookup's name (§5.1.1).
func (u *user) lastName() string {
	if u.last != "" {
		return u.last
	}
	f := strings.Fields(u.name)
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// lookupV is a lookup or layout value {"name","id"}.
type lookupV struct{ name, id string }

// dtV is a datetime (unix seconds), written with the org's offset.
type dtV int64

var users = []*user{
	{"Patricia Boyle", strconv.FormatUint(idBase+86001, 10), "p.boyle@zylker.com", "Boyle"},
	{"José Müller", strconv.FormatUint(idBase+86017, 10), "jose.mueller@zylker.com", "Müller"},
	{"Zoë Åkesson", strconv.FormatUint(idBase+86023, 10), "zoe.akesson@zylker.com", "Åkesson"},
	{"李雷", strconv.FormatUint(idBase+86041, 10), "li.lei@zylker.cn", "李"},
	{"Amara O'Connor 🚀", strconv.FormatUint(idBase+86057, 10), "amara.oconnor@zylker.com", "O'Connor 🚀"},
}

var tags = []lookupV{
	{"vip", strconv.FormatUint(idBase+91001, 10)},
	{"Q1 follow-up", strconv.FormatUint(idBase+91003, 10)},
	{"🔥 hot", strconv.FormatUint(idBase+91007, 10)},
	{"ünïcödé", strconv.FormatUint(idBase+91011, 10)},
	{"=needs review", strconv.FormatUint(idBase+91013, 10)},
	{"trade-show 2025", strconv.FormatUint(idBase+91019, 10)},
}

var (
	firstNames = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
		"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
		"José", "Zoë", "Łukasz", "Søren", "François", "Ngozi", "Priya", "Aarav", "Yuki", "Mei",
		"Мария", "Дмитрий", "محمد", "Fatima", "Björn", "Ana-María", "Seán", "Chloé", "Kwame", "Olúwaseun",
		"明", "Jürgen", "Ægir", "Renée", "D'Andre", "Ravi 🎉", "Emily", "Daniel", "Sophia", "Lucas"}
	lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
		"Hernández", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
		"O'Leary", "Müller", "Schröder", "Nguyễn", "Kowalski", "Ødegaard", "Van der Berg", "Okafor", "Sharma", "Tanaka",
		"王", "Иванова", "Al-Sayed", "de la Cruz", "Ó Briain", "Lefèvre", "Mbeki", "Kim", "Patel", "Singh",
		"Boyle", "Zhang", "Andersson", "Rossi", "Dubois", "Nakamura", "Silva", "Cohen", "Novák", "Smith-Jones"}
	companies = []string{"Zylker", "Acme Corp", "Initech", "Globex", "Umbrella Ltd", "Stark Industries", "Wayne Enterprises",
		"Hooli", "Vandelay Industries", "Soylent", "Müller & Söhne GmbH", "株式会社ゾーホー", "Ōkami Trading", "Café ☕ Co",
		"Rocket 🚀 Labs", "O'Brien & Partners", "\"Quoted\" Holdings", "Tab\tSeparated Ltd", "Société Générale d'Essai",
		"ООО Ромашка", "شركة المثال", "Piñata Fiesta S.A.", "Nørdic Fjord AS", "Crème Brûlée SARL", "Big Data, Inc."}
	// trickyCompanies start with characters a spreadsheet reads as a formula.
	trickyCompanies = []string{"=SUM(A1:A9)", "+Plus Partners", "-Minus Ltd", "@Handle Inc", "=HYPERLINK(\"http://evil.example\",\"x\")", "=1+1", "+49 Holdings", "-", "@"}
	titles          = []string{"CEO", "CTO", "VP Sales", "Head of Procurement", "Marketing Manager", "Purchasing Agent", "Engineer", "Directeur Général", "Geschäftsführer", "営業部長"}
	departments     = []string{"Sales", "Marketing", "Engineering", "Finance", "Procurement", "Operations", "R&D", "Légal"}
	cities          = []string{"Chennai", "Pleasanton", "London", "Berlin", "München", "São Paulo", "Zürich", "Kraków", "東京", "New York", "Austin", "Dublin", "Lagos", "Montréal", "Reykjavík"}
	states          = []string{"TN", "CA", "Bayern", "NY", "TX", "Île-de-France", "Ontario", "Leinster", "São Paulo", "Małopolskie"}
	countries       = []string{"India", "United States", "United Kingdom", "Germany", "Brazil", "Switzerland", "Poland", "Japan", "Ireland", "Nigeria", "Canada", "Iceland", "France", "España"}
	tickers         = []string{"ZOHO", "ACME", "=GOOG", "HOOL", "INTC", "+SPX", "BRK.B"}
	nextSteps       = []string{"Send proposal", "Call back Monday", "Demo scheduled", "Waiting for PO", "=follow up", "Negotiate price 💰", "-", "Ask about Q2 budget"}
	products        = []string{"CRM Plus", "Desk", "Books", "Analytics", "Renewal", "Upsell", "Pilot", "Enterprise licence", "Support add-on", "Onboarding"}
	streets         = []string{"Estancia IT Park", "4141 Hacienda Drive", "221B Baker Street", "Königstraße 5", "12 O'Connell St.", "Rua Augusta, 1500", "1-2-3 Shibuya", "ul. Floriańska 7", "Bahnhofstrasse 1", "\"The Old Mill\", Mill Lane"}
	sentences       = []string{"Met at the trade show.", "Prefers email over phone.", "Budget approved for Q3.",
		"Needs a demo of the reporting module.", "Asked for a 10% discount — escalate to the manager.",
		"Spricht nur Deutsch; Übersetzung nötig.", "日本語での対応を希望。", "Follow up after the holidays 🎄.",
		"Line one\nLine two\r\nLine three", "Quote: \"we'll decide by Friday\"", "Tab\tseparated\tnotes",
		"=IMPORTXML(\"http://evil.example\")", "+1 call scheduled", "-- internal: do not share --", "@sales please check"}
)

func constant(v any) genFn { return func(*gen, uint64) any { return v } }

// nullOr leaves the field empty (JSON null) in pct percent of records.
func nullOr(pct int, f genFn) genFn {
	return func(g *gen, k uint64) any {
		if g.h().chance(k^0x9a11, pct) {
			return nil
		}
		return f(g, k)
	}
}

func pickFrom(list []string) genFn {
	return func(g *gen, k uint64) any { return list[g.h().pick(k, len(list))] }
}

func genOwner(g *gen, k uint64) any     { return users[g.h().pick(k, len(users))] }
func genCreatedBy(g *gen, k uint64) any { return users[g.h().pick(k, 3)] }

func genLastActivity(g *gen, k uint64) any {
	if g.h().chance(k, 40) {
		return nil
	}
	span := g.r.modified - g.r.created
	if span <= 0 {
		return dtV(g.r.modified)
	}
	return dtV(g.r.created + int64(g.h().u(k+1)%uint64(span+1)))
}

func genLayout(g *gen, _ uint64) any { return lookupV{"Standard", g.m.layoutID} }

func genTags(g *gen, k uint64) any {
	h := g.h()
	if h.chance(k, 65) {
		return []lookupV{}
	}
	n := 1 + h.pick(k+1, 3)
	start := h.pick(k+2, len(tags))
	out := make([]lookupV, n)
	for i := range out {
		out[i] = tags[(start+i*2)%len(tags)]
	}
	return out
}

func genLocked(g *gen, k uint64) any { return g.h().chance(k, 2) }

func genBool(pct int) genFn { return func(g *gen, k uint64) any { return g.h().chance(k, pct) } }

// genDescription: mostly short notes, sometimes null, and about one record
// in 150 carries a 40,000-character text (shared, so it costs no memory).
func genDescription(g *gen, k uint64) any {
	h := g.h()
	switch {
	case h.chance(k, 40):
		return nil
	case h.u(k+1)%150 == 0:
		texts := bigTexts()
		return texts[h.pick(k+2, len(texts))]
	}
	n := 1 + h.pick(k+3, 3)
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(sentences[h.pick(k+4+uint64(i), len(sentences))])
	}
	return b.String()
}

// bigTexts are 40,000-character descriptions: a multi-line text with
// unicode, quotes and emoji, as a large textarea can hold. Built on first
// use (about 1 MB of garbage): the emulator is linked into every binary.
var bigTexts = sync.OnceValue(func() []string {
	out := make([]string, 3)
	for v := range out {
		var b strings.Builder
		for i, runes := 0, 0; runes < 40000; i++ {
			st := sentences[(i*7+v)%len(sentences)] + " "
			if i%9 == 8 {
				st += "\n"
			}
			b.WriteString(st)
			runes += utf8.RuneCountInString(st)
		}
		s := b.String()
		// Cut to exactly 40,000 characters (runes), on a rune boundary.
		r := []rune(s)
		out[v] = string(r[:40000])
	}
	return out
})

func first(g *gen) string { return firstNames[g.h().pick(101, len(firstNames))] }
func last(g *gen) string  { return lastNames[g.h().pick(102, len(lastNames))] }

func genFirst(g *gen, _ uint64) any { return first(g) }
func genLast(g *gen, _ uint64) any  { return last(g) }

func genFull(g *gen, _ uint64) any {
	f, _ := g.val("First_Name").(string)
	l, _ := g.val("Last_Name").(string)
	return strings.TrimSpace(f + " " + l)
}

// asciiName makes an e-mail local part from a name (non-ASCII dropped).
func asciiName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var mailDomains = []string{"example.com", "zylker.com", "mail.example.de", "example.co.jp", "beispiel.de"}

func genEmail(g *gen, k uint64) any {
	f, l := asciiName(first(g)), asciiName(last(g))
	if f == "" || l == "" {
		f, l = "contact", strconv.Itoa(g.r.idx)
	}
	local := f + "." + l
	if g.h().chance(k, 20) {
		local += strconv.Itoa(g.r.idx % 1000)
	}
	if g.h().chance(k+7, 5) {
		local = strings.ToUpper(local[:1]) + local[1:]
	}
	return local + "@" + mailDomains[g.h().pick(k+1, len(mailDomains))]
}

func genEmail2(g *gen, k uint64) any {
	return "alt" + strconv.Itoa(g.r.idx) + "@" + mailDomains[g.h().pick(k, len(mailDomains))]
}

func genPhone(g *gen, k uint64) any {
	h := g.h()
	n := h.u(k+1) % 10000000
	switch h.pick(k, 5) {
	case 0:
		return "+1 555-" + pad(int(n%1000), 3) + "-" + pad(int(n/1000%10000), 4)
	case 1:
		return "+44 20 7946 " + pad(int(n%10000), 4)
	case 2:
		return "(555) 010-" + pad(int(n%10000), 4)
	case 3:
		return "+91 98" + pad(int(n%100000000), 8)
	default:
		return "0049 30 " + pad(int(n), 7) // leading zeros: text, not a number
	}
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

func genCompany(g *gen, k uint64) any {
	h := g.h()
	if h.chance(k, 4) {
		return trickyCompanies[h.pick(k+1, len(trickyCompanies))]
	}
	c := companies[h.pick(k+2, len(companies))]
	if h.chance(k+3, 60) {
		c += " " + strconv.Itoa(1+h.pick(k+4, 999))
	}
	return c
}

func genWebsite(g *gen, k uint64) any {
	return "https://www." + asciiName(companies[g.h().pick(k, len(companies))]) + ".example"
}

func genSkype(g *gen, _ uint64) any   { return "live:" + asciiName(first(g)) + strconv.Itoa(g.r.idx) }
func genTwitter(g *gen, _ uint64) any { return "@" + asciiName(first(g)) + "_" + asciiName(last(g)) } // starts with @
func genStreet(g *gen, k uint64) any  { return streets[g.h().pick(k, len(streets))] }
func genZip(g *gen, k uint64) any     { return pad(int(g.h().u(k)%100000), 5) } // "01234": keep the zero
func genAccountNumber(g *gen, k uint64) any {
	return "ACC-" + pad(int(g.h().u(k)%1000000), 6)
}

func genInt(lo, hi int64) genFn {
	return func(g *gen, k uint64) any { return lo + int64(g.h().u(k)%uint64(hi-lo+1)) }
}

func genMoney(lo, hi float64) genFn {
	return func(g *gen, k uint64) any {
		f := float64(g.h().u(k)%1_000_000) / 1_000_000
		v := lo * math.Pow(hi/lo, f) // log-uniform, like real deal sizes
		return math.Round(v*100) / 100
	}
}

func genFloat(lo, hi float64, decimals int) genFn {
	p := math.Pow(10, float64(decimals))
	return func(g *gen, k uint64) any {
		f := float64(g.h().u(k)%1_000_000) / 1_000_000
		return math.Round((lo+f*(hi-lo))*p) / p
	}
}

// genBigint: an 18-digit number as a string; some have leading zeros, as
// Zoho's own sample "0012345600012" does.
func genBigint(g *gen, k uint64) any {
	s := strconv.FormatUint(100000000000000000+g.h().u(k)%900000000000000000, 10)
	if g.h().chance(k+1, 10) {
		s = "00" + s[2:]
	}
	return s
}

// genDate is a calendar day between from and to days around the clock start.
func genDate(from, to int) genFn {
	return func(g *gen, k uint64) any {
		d := from + g.h().pick(k, to-from+1)
		return g.s.start.In(g.s.loc).AddDate(0, 0, d).Format(time.DateOnly)
	}
}

func genMulti(list []string) genFn {
	return func(g *gen, k uint64) any {
		h := g.h()
		if h.chance(k, 30) {
			return []string{}
		}
		n := 1 + h.pick(k+1, 3)
		start := h.pick(k+2, len(list))
		out := make([]string, n)
		for i := range out {
			out[i] = list[(start+i*3)%len(list)]
		}
		return out
	}
}

func genConverted(g *gen, k uint64) any { return g.h().chance(k, 12) }

func genConvertedTime(g *gen, k uint64) any {
	if c, _ := g.val("Converted__s").(bool); !c {
		return nil
	}
	span := g.r.modified - g.r.created
	return dtV(g.r.created + int64(g.h().u(k)%uint64(span+1)))
}

func genConvertedLookup(target string) genFn {
	lk := genLookup(target)
	return func(g *gen, k uint64) any {
		if c, _ := g.val("Converted__s").(bool); !c {
			return nil
		}
		return lk(g, k)
	}
}

// genLookup points at a seeded record of target, with its current display
// name; null when target has no records or the record was deleted.
func genLookup(target string) genFn {
	return func(g *gen, k uint64) any {
		tm := g.s.mods[target]
		if tm == nil || len(tm.seeded) == 0 {
			return nil
		}
		id := tm.seeded[g.h().pick(k, len(tm.seeded))]
		tr := tm.byID[id]
		if tr == nil {
			return nil
		}
		name, _ := g.s.value(tm, tr, tm.schema.field(tm.schema.displayField)).(string)
		return lookupV{name, id}
	}
}

func genDealName(g *gen, k uint64) any {
	h := g.h()
	c := companies[h.pick(k, len(companies))]
	if h.chance(k+1, 3) {
		c = trickyCompanies[h.pick(k+2, len(trickyCompanies))]
	}
	return c + " – " + products[h.pick(k+3, len(products))]
}

func genStage(g *gen, k uint64) any { return stages[g.h().pick(k, len(stages))] }

func genProbability(g *gen, _ uint64) any {
	st, _ := g.val("Stage").(string)
	for i, s := range stages {
		if s == st {
			return stageProb[i]
		}
	}
	return float64(50)
}

func genExpected(g *gen, _ uint64) any {
	a, ok := g.val("Amount").(float64)
	if !ok {
		return float64(0)
	}
	p, _ := g.val("Probability").(float64)
	return math.Round(a*p) / 100
}

func genCampaignName(g *gen, k uint64) any {
	return products[g.h().pick(k, len(products))] + " campaign " + strconv.Itoa(2024+g.h().pick(k+1, 3))
}
