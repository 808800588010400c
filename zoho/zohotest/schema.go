package zohotest

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// idBase makes 19-digit ids like Zoho's ("4876876000000012345"): an org
// prefix, zeros, then a sequence.
const idBase uint64 = 4876876000000000000

// genFn produces a seeded record's value of one field; k is the field's
// own hash key so that fields are independent.
type genFn func(g *gen, k uint64) any

// fieldSpec is one field of a module: its metadata and its generator.
type fieldSpec struct {
	api, label, dataType, jsonType string
	length, decimals               int
	mandatory, readOnly, custom    bool
	picklist                       []string
	lookupModule                   string
	textarea                       string // "small" | "large"
	formulaType                    string
	id                             string
	key                            uint64
	gen                            genFn
}

// moduleSchema describes a CRM module.
type moduleSchema struct {
	name, singular, plural string
	id                     string
	apiSupported           bool // listed with api_supported:true
	listable               bool // Get Records works (else 403 NOT_SUPPORTED)
	displayField           string
	fields                 []*fieldSpec
	index                  map[string]*fieldSpec
}

func (m *moduleSchema) field(api string) *fieldSpec { return m.index[api] }

var jsonTypes = map[string]string{
	"text": "string", "textarea": "string", "email": "string", "phone": "string", "website": "string",
	"picklist": "string", "autonumber": "string", "bigint": "string", "date": "string", "datetime": "string",
	"multiselectpicklist": "jsonarray", "integer": "integer", "double": "double", "currency": "double",
	"percent": "double", "boolean": "boolean", "lookup": "jsonobject", "ownerlookup": "jsonobject",
	"layout": "jsonobject", "formula": "double", "imageupload": "jsonarray", "multiselectlookup": "jsonarray",
}

func fld(api, label, dataType string, gen genFn) *fieldSpec {
	f := &fieldSpec{api: api, label: label, dataType: dataType, jsonType: jsonTypes[dataType], gen: gen}
	switch dataType {
	case "text", "email", "phone", "website":
		f.length = 255
	case "textarea":
		f.length, f.textarea = 32000, "large"
	case "integer":
		f.length = 9
	case "bigint":
		f.length = 19
	case "currency", "double", "percent":
		f.length, f.decimals = 16, 2
	}
	if api == "Tag" {
		f.jsonType = "jsonarray" // data_type "text", yet an array of {name,id} (§3)
	}
	return f
}

func (f *fieldSpec) pick(values ...string) *fieldSpec { f.picklist = values; return f }
func (f *fieldSpec) lookup(module string) *fieldSpec  { f.lookupModule = module; return f }
func (f *fieldSpec) customField() *fieldSpec          { f.custom = true; return f }
func (f *fieldSpec) ro() *fieldSpec                   { f.readOnly = true; return f }
func (f *fieldSpec) must() *fieldSpec                 { f.mandatory = true; return f }
func (f *fieldSpec) formula(returnType string) *fieldSpec {
	f.formulaType = returnType
	f.jsonType = jsonTypes[returnType]
	f.readOnly = true
	return f
}

var (
	salutations  = []string{"Mr.", "Mrs.", "Ms.", "Dr.", "Prof."}
	leadSources  = []string{"Advertisement", "Cold Call", "Employee Referral", "External Referral", "Online Store", "Partner", "Public Relations", "Sales Email Alias", "Seminar Partner", "Internal Seminar", "Trade Show", "Web Download", "Web Research", "Chat", "X (Twitter)", "Facebook"}
	leadStatuses = []string{"Attempted to Contact", "Contact in Future", "Contacted", "Junk Lead", "Lost Lead", "Not Contacted", "Pre-Qualified", "Not Qualified"}
	industries   = []string{"ASP (Application Service Provider)", "Data/Telecom OEM", "ERP (Enterprise Resource Planning)", "Government/Military", "Large Enterprise", "ManagementISV", "MSP (Management Service Provider)", "Network Equipment Enterprise", "Non-management ISV", "Optical Networking", "Service Provider", "Small/Medium Enterprise", "Storage Equipment", "Storage Service Provider", "Systems Integrator", "Wireless Industry", "Communications", "Technology", "Education", "Real Estate"}
	ratings      = []string{"Acquired", "Active", "Market Failed", "Project Cancelled", "Shut Down"}
	languages    = []string{"English", "German", "French", "Hindi", "Japanese", "Español", "Português", "中文"}
	stages       = []string{"Qualification", "Needs Analysis", "Value Proposition", "Identify Decision Makers", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost", "Closed Lost to Competition"}
	stageProb    = []float64{10, 20, 40, 60, 75, 90, 100, 0, 0}
	dealTypes    = []string{"New Business", "Existing Business"}
	accountTypes = []string{"Analyst", "Competitor", "Customer", "Distributor", "Integrator", "Investor", "Other", "Partner", "Press", "Prospect", "Reseller", "Supplier", "Vendor"}
	ownerships   = []string{"Other", "Private", "Public", "Subsidiary", "Partnership", "Government", "Privately Held", "Public Company"}
	campTypes    = []string{"Conference", "Webinar", "Trade Show", "Public Relations", "Partners", "Referral Program", "Advertisement", "Banner Ads", "Direct mail", "Email", "Telemarketing", "Others"}
	campStatus   = []string{"Planning", "Active", "Inactive", "Complete"}
	recStatuses  = []string{"Available", "Draft", "Trash"}
)

// systemFields are on every module (§2.3).
func systemFields() []*fieldSpec {
	return []*fieldSpec{
		fld("Owner", "Lead Owner", "ownerlookup", genOwner),
		fld("Created_By", "Created By", "ownerlookup", genCreatedBy).ro(),
		fld("Modified_By", "Modified By", "ownerlookup", genCreatedBy).ro(),
		fld("Created_Time", "Created Time", "datetime", nil).ro(),
		fld("Modified_Time", "Modified Time", "datetime", nil).ro(),
		fld("Last_Activity_Time", "Last Activity Time", "datetime", genLastActivity).ro(),
		fld("Layout", "Layout", "layout", genLayout).ro(),
		fld("Tag", "Tag", "text", genTags).ro(),
		fld("Record_Status__s", "Record Status", "picklist", constant("Available")).pick(recStatuses...).ro(),
		fld("Locked__s", "Locked", "boolean", genLocked).ro(),
		fld("Description", "Description", "textarea", genDescription),
		fld("id", "Record Id", "bigint", nil).ro(),
	}
}

func personFields() []*fieldSpec {
	return []*fieldSpec{
		fld("Salutation", "Salutation", "picklist", nullOr(30, pickFrom(salutations))).pick(salutations...),
		fld("First_Name", "First Name", "text", nullOr(5, genFirst)),
		fld("Last_Name", "Last Name", "text", genLast).must(),
		fld("Full_Name", "Full Name", "text", genFull).ro(),
		fld("Email", "Email", "email", nullOr(10, genEmail)),
		fld("Secondary_Email", "Secondary Email", "email", nullOr(80, genEmail2)),
		fld("Phone", "Phone", "phone", nullOr(15, genPhone)),
		fld("Mobile", "Mobile", "phone", nullOr(40, genPhone)),
		fld("Lead_Source", "Lead Source", "picklist", nullOr(20, pickFrom(leadSources))).pick(leadSources...),
		fld("Email_Opt_Out", "Email Opt Out", "boolean", genBool(15)),
		fld("Languages", "Languages", "multiselectpicklist", genMulti(languages)).pick(languages...).customField(),
	}
}

// schemas are the modules' schemas, built on first use: the emulator is
// linked into every zoho2sheets binary (demo, emulate), and a sync run
// should not pay for building them at start.
var schemas = sync.OnceValue(buildSchemas)

// moduleOrder is how /settings/modules lists them.
var moduleOrder = []string{"Leads", "Contacts", "Accounts", "Deals", "Campaigns", "Notes", "Visits"}

func buildSchemas() map[string]*moduleSchema {
	schemas := map[string]*moduleSchema{}
	leads := append(personFields(),
		fld("Company", "Company", "text", genCompany).must(),
		fld("Designation", "Title", "text", nullOr(30, pickFrom(titles))),
		fld("Fax", "Fax", "phone", nullOr(90, genPhone)),
		fld("Website", "Website", "website", nullOr(40, genWebsite)),
		fld("Lead_Status", "Lead Status", "picklist", nullOr(5, pickFrom(leadStatuses))).pick(leadStatuses...),
		fld("Industry", "Industry", "picklist", nullOr(25, pickFrom(industries))).pick(industries...),
		fld("No_of_Employees", "No. of Employees", "integer", nullOr(30, genInt(1, 250000))),
		fld("Annual_Revenue", "Annual Revenue", "currency", nullOr(25, genMoney(1e3, 5e8))),
		fld("Rating", "Rating", "picklist", nullOr(50, pickFrom(ratings))).pick(ratings...),
		fld("Skype_ID", "Skype ID", "text", nullOr(85, genSkype)),
		fld("Twitter", "X", "text", nullOr(70, genTwitter)),
		fld("Street", "Street", "text", nullOr(30, genStreet)),
		fld("City", "City", "text", nullOr(20, pickFrom(cities))),
		fld("State", "State", "text", nullOr(40, pickFrom(states))),
		fld("Zip_Code", "Zip Code", "text", nullOr(35, genZip)),
		fld("Country", "Country", "text", nullOr(20, pickFrom(countries))),
		fld("Converted__s", "Is Converted", "boolean", genConverted).ro(),
		fld("Converted_Date_Time", "Converted Date Time", "datetime", genConvertedTime).ro(),
		fld("Converted_Account", "Converted Account", "lookup", genConvertedLookup("Accounts")).lookup("Accounts").ro(),
		fld("Converted_Contact", "Converted Contact", "lookup", genConvertedLookup("Contacts")).lookup("Contacts").ro(),
		fld("Converted_Deal", "Converted Deal", "lookup", genConvertedLookup("Deals")).lookup("Deals").ro(),
		fld("Lead_Score", "Lead Score", "integer", nullOr(20, genInt(-50, 100))).customField(),
		fld("External_Id", "External Id", "bigint", nullOr(30, genBigint)).customField(),
		fld("Next_Follow_Up", "Next Follow Up", "date", nullOr(40, genDate(-30, 90))).customField(),
		fld("Discount_Rate", "Discount Rate", "percent", nullOr(50, genFloat(0, 35, 1))).customField(),
		fld("Budget_Ratio", "Budget Ratio", "double", nullOr(50, genFloat(-1, 1, 6))).customField(),
	)
	contacts := append(personFields(),
		fld("Account_Name", "Account Name", "lookup", nullOr(10, genLookup("Accounts"))).lookup("Accounts"),
		fld("Title", "Title", "text", nullOr(30, pickFrom(titles))),
		fld("Department", "Department", "text", nullOr(50, pickFrom(departments))),
		fld("Date_of_Birth", "Date of Birth", "date", nullOr(60, genDate(-365*70, -365*18))),
		fld("Mailing_Street", "Mailing Street", "text", nullOr(30, genStreet)),
		fld("Mailing_City", "Mailing City", "text", nullOr(20, pickFrom(cities))),
		fld("Mailing_State", "Mailing State", "text", nullOr(40, pickFrom(states))),
		fld("Mailing_Zip", "Mailing Zip", "text", nullOr(35, genZip)),
		fld("Mailing_Country", "Mailing Country", "text", nullOr(20, pickFrom(countries))),
	)
	accounts := []*fieldSpec{
		fld("Account_Name", "Account Name", "text", genCompany).must(),
		fld("Account_Number", "Account Number", "text", nullOr(40, genAccountNumber)),
		fld("Account_Site", "Account Site", "text", nullOr(60, pickFrom(cities))),
		fld("Parent_Account", "Parent Account", "lookup", nullOr(80, genLookup("Accounts"))).lookup("Accounts"),
		fld("Website", "Website", "website", nullOr(30, genWebsite)),
		fld("Phone", "Phone", "phone", nullOr(15, genPhone)),
		fld("Fax", "Fax", "phone", nullOr(90, genPhone)),
		fld("Ticker_Symbol", "Ticker Symbol", "text", nullOr(70, pickFrom(tickers))),
		fld("Account_Type", "Account Type", "picklist", nullOr(20, pickFrom(accountTypes))).pick(accountTypes...),
		fld("Ownership", "Ownership", "picklist", nullOr(40, pickFrom(ownerships))).pick(ownerships...),
		fld("Industry", "Industry", "picklist", nullOr(25, pickFrom(industries))).pick(industries...),
		fld("Employees", "Employees", "integer", nullOr(30, genInt(1, 250000))),
		fld("Annual_Revenue", "Annual Revenue", "currency", nullOr(25, genMoney(1e4, 9e9))),
		fld("Rating", "Rating", "picklist", nullOr(50, pickFrom(ratings))).pick(ratings...),
		fld("SIC_Code", "SIC Code", "integer", nullOr(60, genInt(100, 9999))),
		fld("Billing_Street", "Billing Street", "text", nullOr(30, genStreet)),
		fld("Billing_City", "Billing City", "text", nullOr(20, pickFrom(cities))),
		fld("Billing_State", "Billing State", "text", nullOr(40, pickFrom(states))),
		fld("Billing_Code", "Billing Code", "text", nullOr(35, genZip)),
		fld("Billing_Country", "Billing Country", "text", nullOr(20, pickFrom(countries))),
	}
	deals := []*fieldSpec{
		fld("Deal_Name", "Deal Name", "text", genDealName).must(),
		fld("Account_Name", "Account Name", "lookup", nullOr(5, genLookup("Accounts"))).lookup("Accounts"),
		fld("Contact_Name", "Contact Name", "lookup", nullOr(30, genLookup("Contacts"))).lookup("Contacts"),
		fld("Amount", "Amount", "currency", nullOr(10, genMoney(500, 2e6))),
		fld("Stage", "Stage", "picklist", genStage).pick(stages...).must(),
		fld("Probability", "Probability (%)", "percent", genProbability),
		fld("Expected_Revenue", "Expected Revenue", "formula", genExpected).formula("currency"),
		fld("Closing_Date", "Closing Date", "date", genDate(-200, 200)).must(),
		fld("Type", "Type", "picklist", nullOr(20, pickFrom(dealTypes))).pick(dealTypes...),
		fld("Lead_Source", "Lead Source", "picklist", nullOr(20, pickFrom(leadSources))).pick(leadSources...),
		fld("Next_Step", "Next Step", "text", nullOr(50, pickFrom(nextSteps))),
		fld("Pipeline", "Pipeline", "picklist", constant("Standard (Standard)")).pick("Standard (Standard)"),
		fld("Campaign_Source", "Campaign Source", "lookup", nullOr(70, genLookup("Campaigns"))).lookup("Campaigns"),
	}
	campaigns := []*fieldSpec{
		fld("Campaign_Name", "Campaign Name", "text", genCampaignName).must(),
		fld("Type", "Type", "picklist", nullOr(10, pickFrom(campTypes))).pick(campTypes...),
		fld("Status", "Status", "picklist", nullOr(10, pickFrom(campStatus))).pick(campStatus...),
		fld("Start_Date", "Start Date", "date", nullOr(20, genDate(-300, 0))),
		fld("End_Date", "End Date", "date", nullOr(30, genDate(0, 300))),
		fld("Budgeted_Cost", "Budgeted Cost", "currency", nullOr(30, genMoney(100, 1e5))),
		fld("Expected_Response", "Expected Response", "integer", nullOr(50, genInt(0, 5000))),
		// Kinds COQL cannot select (§5.1.1); always empty in the emulator.
		fld("Campaign_Image", "Campaign Image", "imageupload", nil).customField(),
		fld("Partner_Accounts", "Partner Accounts", "multiselectlookup", nil).customField(),
	}
	notes := []*fieldSpec{
		fld("Note_Title", "Note Title", "text", nil),
		fld("Note_Content", "Note Content", "textarea", nil),
		fld("Parent_Id", "Parent Id", "lookup", nil),
	}
	visits := []*fieldSpec{fld("Visitor_Name", "Visitor Name", "text", nil)}

	add := func(name, singular, display string, apiSupported, listable bool, own []*fieldSpec) {
		sys := systemFields()
		if name == "Notes" || name == "Visits" {
			sys = slices.DeleteFunc(sys, func(f *fieldSpec) bool { return f.api == "Tag" || f.api == "Description" })
		}
		fs := append(own, sys...)
		fs[len(fs)-len(sys)].label = strings.TrimSuffix(singular, "s") + " Owner"
		m := &moduleSchema{name: name, singular: singular, plural: name, apiSupported: apiSupported,
			listable: listable, displayField: display, fields: fs, index: map[string]*fieldSpec{}}
		for _, f := range fs {
			m.index[f.api] = f
		}
		schemas[name] = m
	}
	add("Leads", "Lead", "Full_Name", true, true, leads)
	add("Contacts", "Contact", "Full_Name", true, true, contacts)
	add("Accounts", "Account", "Account_Name", true, true, accounts)
	add("Deals", "Deal", "Deal_Name", true, true, deals)
	add("Campaigns", "Campaign", "Campaign_Name", true, true, campaigns)
	add("Notes", "Note", "Note_Title", true, false, notes)
	add("Visits", "Visit", "Visitor_Name", false, false, visits)

	// Metadata ids are fixed: the same on every emulator.
	seq := idBase + 2_000_000
	for _, name := range moduleOrder {
		m := schemas[name]
		m.id = strconv.FormatUint(seq, 10)
		seq += 1000
		for _, f := range m.fields {
			seq += 3
			f.id = strconv.FormatUint(seq, 10)
			f.key = fnv64(name + "." + f.api)
		}
	}
	return schemas
}

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// seedableModules are the modules Options.Records may name.
func seedableModules() []string {
	var out []string
	for name, m := range schemas() {
		if m.listable {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// lookupSchema returns the schema of an API-supported module or INVALID_MODULE.
func lookupSchema(name string) (*moduleSchema, *apiError) {
	m, ok := schemas()[name]
	if !ok || !m.apiSupported {
		return nil, errInvalidModule()
	}
	return m, nil
}

// fieldMeta is one entry of GET /settings/fields (§3.1).
func (f *fieldSpec) meta(m *moduleSchema) map[string]any {
	out := map[string]any{
		"api_name":          f.api,
		"field_label":       f.label,
		"display_label":     f.label,
		"data_type":         f.dataType,
		"json_type":         f.jsonType,
		"id":                f.id,
		"length":            f.length,
		"decimal_place":     nil,
		"system_mandatory":  f.mandatory,
		"read_only":         f.readOnly,
		"visible":           true,
		"custom_field":      f.custom,
		"virtual_field":     false,
		"field_read_only":   f.readOnly,
		"pick_list_values":  []any{},
		"lookup":            map[string]any{},
		"crypt":             nil,
		"textarea":          nil,
		"formula":           map[string]any{},
		"currency":          map[string]any{},
		"auto_number":       map[string]any{},
		"multiselectlookup": map[string]any{},
	}
	if f.decimals > 0 {
		out["decimal_place"] = f.decimals
	}
	if f.textarea != "" {
		out["textarea"] = map[string]any{"type": f.textarea}
	}
	if f.formulaType != "" {
		out["formula"] = map[string]any{"return_type": f.formulaType, "expression": "${Deals.Amount}*${Deals.Probability}/100"}
	}
	if f.dataType == "currency" || f.formulaType == "currency" {
		out["currency"] = map[string]any{"precision": 2, "rounding_option": "normal"}
	}
	if len(f.picklist) > 0 {
		pl := make([]any, 0, len(f.picklist)+1)
		if f.dataType == "picklist" {
			pl = append(pl, map[string]any{"display_value": "-None-", "actual_value": "-None-",
				"id": fmt.Sprintf("%s%03d", f.id[:16], 0), "sequence_number": 0, "type": "used"})
		}
		for i, v := range f.picklist {
			pl = append(pl, map[string]any{"display_value": v, "actual_value": v,
				"id": fmt.Sprintf("%s%03d", f.id[:16], i+1), "sequence_number": i + 1, "type": "used"})
		}
		out["pick_list_values"] = pl
	}
	if f.lookupModule != "" {
		lm := schemas()[f.lookupModule]
		out["lookup"] = map[string]any{"api_name": f.api, "id": f.id,
			"display_label": f.label, "module": map[string]any{"api_name": lm.name, "id": lm.id}}
	}
	return out
}

// moduleMeta is one entry of GET /settings/modules (§3.2).
func (m *moduleSchema) meta() map[string]any {
	return map[string]any{
		"api_name":                m.name,
		"module_name":             moduleName(m.name),
		"singular_label":          m.singular,
		"plural_label":            m.plural,
		"id":                      m.id,
		"api_supported":           m.apiSupported,
		"generated_type":          "default",
		"status":                  "visible",
		"visible":                 true,
		"creatable":               m.listable,
		"editable":                m.listable,
		"deletable":               m.listable,
		"viewable":                true,
		"global_search_supported": m.listable,
	}
}

// moduleName is a module's module_name: its api_name, except where Zoho
// kept an old internal name (Deals are Potentials, reference §4a.3).
func moduleName(api string) string {
	if api == "Deals" {
		return "Potentials"
	}
	return api
}
