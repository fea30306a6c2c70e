// The native NDJSON reader of bulk screening: FHIR resources -> fact columns.
//
// spinecare.bulk.nativeread drives it; see that module for the contract. In short: a
// block of whole NDJSON lines of one resource type goes in; out come the columns of the
// facts the plainly shaped lines give, and the lines left to the Python reader. A line is
// taken only when it reads here exactly as spinecare.fhir.reader reads it: strict JSON
// (simdjson rejects what orjson rejects: NaN, trailing commas, numbers beyond a double,
// bad UTF-8, lone surrogates, a byte-order mark), no duplicate key among the keys read,
// every field read of the type the reader expects, dates of the reader's pattern, unit
// conversions that leave the number as written. Any other line - malformed, unusual or
// one the reader rejects - is a leftover: Python reads, reports and counts it, so the
// outcome of a run never depends on this module being built.
//
// Knowledge (code systems, measures, units) comes from Python as data; nothing clinical
// is written here. The block is split over threads at line ends; the GIL is released
// while they parse.

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using sv = std::string_view;
using opt = std::optional<sv>;

// ------------------------------------------------------------------------------------
// Configuration (from Python)

struct Scale {
  std::string dimension;
  double scale;
  double offset;
  bool operator==(const Scale& o) const {
    return dimension == o.dimension && scale == o.scale && offset == o.offset;
  }
};

struct Measure {
  std::string id;
  std::string target;  // canonical unit
};

// one KB code a coding matches (spinecare.kb.codes.Hit)
struct CodeHit {
  std::string concept;
  std::optional<std::string> set, zone;
};

using Hits = std::vector<CodeHit>;

struct Config {
  std::unordered_map<std::string, std::string> systems;       // URI -> short name
  std::unordered_map<std::string, std::string> units;         // spelling -> canonical
  std::unordered_map<std::string, std::string> units_folded;  // casefolded -> canonical
  std::unordered_map<std::string, Scale> scales;              // canonical -> scale
  std::unordered_map<std::string, Measure> measures;          // sys \x1f code -> measure
  // the KB's code index (spinecare.kb.codes.CodeIndex)
  std::unordered_map<std::string, Hits> codes_exact;  // sys \x1f code -> hits
  std::unordered_map<std::string, Hits> codes_icd;    // normalized ICD-10 prefix -> hits
  std::unordered_set<std::string> icd_systems;        // systems matched as ICD-10
  std::unordered_set<std::string> spine_categories;   // ICD-10 categories with a site
  std::unordered_map<std::string, std::string> site_character;  // last character -> zone
  // how a Condition says it is family history (spinecare.fhir.reader)
  std::unordered_set<std::string> family_snomed;
  std::vector<std::string> family_icd10;  // normalized prefixes
  std::unordered_set<std::string> family_systems;
  std::vector<std::string> family_words;  // casefolded
};

const char* const CONFIG_CAPSULE = "spinecare.bulk._fastread.Config";

enum Kind { PATIENT, CONDITION, OBSERVATION, MEDICATION };

// ------------------------------------------------------------------------------------
// Output columns: Arrow's layout built in place (values, offsets and a validity bitmap
// in byte strings), handed to Python without a copy.

struct Bits {
  std::string bits;
  size_t n = 0;
  size_t nulls = 0;
  void push(bool v) {
    if (n % 8 == 0) bits.push_back('\0');
    if (v) {
      bits.back() = static_cast<char>(bits.back() | (1 << (n % 8)));
    } else {
      ++nulls;
    }
    ++n;
  }
};

struct StrCol {
  std::string offsets = std::string(sizeof(int64_t), '\0');  // int64, from 0
  std::string data;
  Bits valid;
  void end() {
    int64_t at = static_cast<int64_t>(data.size());
    offsets.append(reinterpret_cast<const char*>(&at), sizeof at);
  }
  void push(sv s) {
    data.append(s.data(), s.size());
    end();
    valid.push(true);
  }
  void push(const opt& s) {
    if (s) {
      push(*s);
    } else {
      end();
      valid.push(false);
    }
  }
  int64_t offset(size_t i) const {
    int64_t v;
    std::memcpy(&v, offsets.data() + i * sizeof v, sizeof v);
    return v;
  }
  sv last() const {
    size_t n = valid.n;
    return sv(data.data() + offset(n - 1), static_cast<size_t>(offset(n) - offset(n - 1)));
  }
};

template <typename T>
struct NumCol {
  std::string values;
  Bits valid;
  void push(T v) {
    values.append(reinterpret_cast<const char*>(&v), sizeof v);
    valid.push(true);
  }
  void push(const std::optional<T>& v) {
    T value = v ? *v : T{};
    values.append(reinterpret_cast<const char*>(&value), sizeof value);
    valid.push(v.has_value());
  }
  size_t size() const { return valid.n; }
  T get(size_t i) const {
    T v;
    std::memcpy(&v, values.data() + i * sizeof v, sizeof v);
    return v;
  }
  void set(size_t i, T v) { std::memcpy(values.data() + i * sizeof v, &v, sizeof v); }
  void add_from(size_t from, T delta) {
    for (size_t i = from; i < size(); ++i) set(i, get(i) + delta);
  }
};

using I64 = NumCol<int64_t>;
using I32 = NumCol<int32_t>;
using F64 = NumCol<double>;

struct Out {
  // patients
  StrCol pat_pid;
  // fact rows (spinecare.bulk.facts.TABLES)
  StrCol cond_pid, cond_concept, cond_set, cond_zones, cond_clinical, cond_verification;
  I32 cond_start, cond_abatement;
  StrCol med_pid, med_concept, med_status;
  I32 med_start, med_end;
  StrCol obs_pid, obs_measure;
  F64 obs_value;
  I32 obs_date;
  I64 obs_seq;
  // patients named, line after line (runs of one patient)
  StrCol seen_pid;
  I64 seen_n;

  void see(sv pid) {
    size_t n = seen_n.size();
    if (n && seen_pid.last() == pid) {
      seen_n.set(n - 1, seen_n.get(n - 1) + 1);
      return;
    }
    seen_pid.push(pid);
    seen_n.push(int64_t{1});
  }
};

// ------------------------------------------------------------------------------------
// JSON access

struct Field {
  bool present = false;
  element el;
  bool null() const { return !present || el.type() == element_type::NULL_VALUE; }
  element_type type() const { return el.type(); }
};

// The fields ``keys`` of an object; false when one of them is written twice (Python's
// dict would keep the last, simdjson's lookup the first: such a line is left over).
template <size_t N>
bool fields(const element& node, const std::array<sv, N>& keys, std::array<Field, N>& out) {
  simdjson::dom::object obj;
  if (node.get(obj)) return false;
  for (auto kv : obj) {
    const sv key = kv.key;
    for (size_t i = 0; i < N; ++i) {
      const sv want = keys[i];  // never empty
      if (key.size() == want.size() && key[0] == want[0] &&
          std::memcmp(key.data(), want.data(), key.size()) == 0) {
        if (out[i].present) return false;
        out[i].present = true;
        out[i].el = kv.value;
        break;
      }
    }
  }
  return true;
}

// absent, null or a string
bool opt_str(const Field& f, opt& out) {
  if (f.null()) {
    out.reset();
    return true;
  }
  if (f.type() != element_type::STRING) return false;
  sv s;
  if (f.el.get(s)) return false;
  out = s;
  return true;
}

bool ascii(const opt& s) {
  if (!s) return true;
  for (unsigned char c : *s)
    if (c >= 0x80) return false;
  return true;
}

// ------------------------------------------------------------------------------------
// Dates, as spinecare.fhir.reader.parse_date

bool digits(sv s, size_t at, size_t n) {
  if (at + n > s.size()) return false;
  for (size_t i = at; i < at + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

int num(sv s, size_t at, size_t n) {
  int v = 0;
  for (size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int month_days(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

// days since 1970-01-01 (proleptic Gregorian)
int32_t epoch_days(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int32_t>(era * 146097 + doe - 719468);
}

// YYYY(-MM(-DD(Thh:mm(:ss(.f+)?)?(Z|(+|-)hh:mm)?)?)?)?, the whole text
bool date_text(sv s, bool end, int32_t& out) {
  if (!digits(s, 0, 4)) return false;
  int y = num(s, 0, 4), m = end ? 12 : 1, d = 0;
  size_t i = 4;
  bool has_day = false;
  if (i < s.size()) {
    if (s[i] != '-' || !digits(s, i + 1, 2)) return false;
    m = num(s, i + 1, 2);
    i += 3;
    if (i < s.size()) {
      if (s[i] != '-' || !digits(s, i + 1, 2)) return false;
      d = num(s, i + 1, 2);
      has_day = true;
      i += 3;
      if (i < s.size()) {
        if (s[i] != 'T' || !digits(s, i + 1, 2) || i + 3 >= s.size() || s[i + 3] != ':' ||
            !digits(s, i + 4, 2))
          return false;
        i += 6;
        if (i < s.size() && s[i] == ':') {
          if (!digits(s, i + 1, 2)) return false;
          i += 3;
          if (i < s.size() && s[i] == '.') {
            size_t j = i + 1;
            while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
            if (j == i + 1) return false;
            i = j;
          }
        }
        if (i < s.size()) {
          if (s[i] == 'Z') {
            i += 1;
          } else if (s[i] == '+' || s[i] == '-') {
            if (!digits(s, i + 1, 2) || i + 3 >= s.size() || s[i + 3] != ':' ||
                !digits(s, i + 4, 2))
              return false;
            i += 6;
          } else {
            return false;
          }
        }
        if (i != s.size()) return false;
      }
    }
  }
  if (y < 1 || m < 1 || m > 12) return false;
  int last = month_days(y, m);
  if (!has_day) d = end ? last : 1;
  if (d < 1 || d > last) return false;
  out = epoch_days(y, m, d);
  return true;
}

// absent or null: nullopt; a date string: its day; anything else: false
bool date_field(const Field& f, bool end, std::optional<int32_t>& out) {
  out.reset();
  if (f.null()) return true;
  opt s;
  if (!opt_str(f, s)) return false;
  int32_t days;
  if (!date_text(*s, end, days)) return false;
  out = days;
  return true;
}

// ------------------------------------------------------------------------------------
// Codes and units

std::string system_name(const Config& cfg, const opt& uri) {
  if (!uri) return "unknown";
  std::string key(*uri);
  auto hit = cfg.systems.find(key);
  if (hit != cfg.systems.end()) return hit->second;
  while (!key.empty() && key.back() == '/') key.pop_back();
  hit = cfg.systems.find(key);
  if (hit != cfg.systems.end()) return hit->second;
  return std::string(*uri);
}

struct Coding {
  opt system, code, display;
};

// A ``coding`` list read as the reader reads it, checked strictly: absent, null or a list
// of objects with system, code and display absent, null or strings. ``codings`` gets the
// codings with a code.
bool coding_list(const Field& f, std::vector<Coding>& codings) {
  codings.clear();
  if (f.null()) return true;
  simdjson::dom::array list;
  if (f.type() != element_type::ARRAY || f.el.get(list)) return false;
  static const std::array<sv, 3> keys{"system", "code", "display"};
  for (element item : list) {
    if (item.type() != element_type::OBJECT) return false;
    std::array<Field, 3> c{};
    Coding coding;
    if (!fields(item, keys, c) || !opt_str(c[0], coding.system) ||
        !opt_str(c[1], coding.code) || !opt_str(c[2], coding.display))
      return false;
    if (coding.code) codings.push_back(coding);
  }
  return true;
}

// A CodeableConcept: absent or null, or an object whose ``coding`` passes coding_list()
// and whose ``text`` is absent, null or a string.
bool concept(const Field& f, std::vector<Coding>& codings, opt& text) {
  codings.clear();
  text.reset();
  if (f.null()) return true;
  if (f.type() != element_type::OBJECT) return false;
  static const std::array<sv, 2> keys{"coding", "text"};
  std::array<Field, 2> got{};
  return fields(f.el, keys, got) && opt_str(got[1], text) && coding_list(got[0], codings);
}

// The first coding's code of a status CodeableConcept (its text is never read; every
// coding is checked by coding_list()). ``scratch``: room for the codings.
bool status_code(const Field& f, opt& out, std::vector<Coding>& scratch) {
  out.reset();
  if (f.null()) return true;
  if (f.type() != element_type::OBJECT) return false;
  static const std::array<sv, 1> keys{"coding"};
  std::array<Field, 1> got{};
  if (!fields(f.el, keys, got) || !coding_list(got[0], scratch)) return false;
  if (!scratch.empty()) out = scratch.front().code;
  return true;
}

// The canonical unit of a spelling (units.canonical_unit); false when the spelling is
// not plain ASCII (Python's strip and casefold reach beyond ASCII: left over).
bool canonical_unit(const Config& cfg, const opt& unit, const std::string*& out) {
  out = nullptr;
  sv text = unit ? *unit : sv();
  for (unsigned char c : text)
    if (c >= 0x80) return false;
  auto space = [](char c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
  };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  std::string key(text);
  auto hit = cfg.units.find(key);
  if (hit == cfg.units.end()) {
    for (char& c : key)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    hit = cfg.units_folded.find(key);
    if (hit == cfg.units_folded.end()) return true;
  }
  out = &hit->second;
  return true;
}

enum class Conv { SAME, FAILS, CHANGES, UNSURE };

// units.convert(value, unit, target), told apart by what it does to the value
Conv convert(const Config& cfg, const opt& unit, const std::string& target) {
  if (unit && *unit == target) return Conv::SAME;
  const std::string *src, *goal;
  if (!canonical_unit(cfg, unit, src) || !canonical_unit(cfg, opt(target), goal))
    return Conv::UNSURE;
  if (!src || !goal) return Conv::FAILS;
  auto a = cfg.scales.find(*src), b = cfg.scales.find(*goal);
  if (a == cfg.scales.end() || b == cfg.scales.end()) return Conv::FAILS;
  if (a->second.dimension != b->second.dimension) return Conv::FAILS;
  return a->second == b->second ? Conv::SAME : Conv::CHANGES;
}

// ------------------------------------------------------------------------------------
// Lines

enum class Res { TAKEN, LEFTOVER };

// reference_id for the plain spellings: Patient/<id> and urn:uuid:<id>
bool patient_of(const Field& subject, sv& pid) {
  if (subject.null() || subject.type() != element_type::OBJECT) return false;
  static const std::array<sv, 1> keys{"reference"};
  std::array<Field, 1> got{};
  opt ref;
  if (!fields(subject.el, keys, got) || !opt_str(got[0], ref) || !ref) return false;
  sv r = *ref;
  if (r.substr(0, 9) == "urn:uuid:") {
    pid = r.substr(9);
    return !pid.empty();
  }
  if (r.substr(0, 8) != "Patient/") return false;
  pid = r.substr(8);
  return !pid.empty() && pid.find('/') == sv::npos && pid != "_history";
}

class Worker {
 public:
  Worker(const Config& cfg, Kind kind, const std::string& type, int64_t ordinal)
      : cfg_(cfg), kind_(kind), type_(type), ordinal_(ordinal) {
    // deeper documents are errors, left over (orjson's own limit is deeper still)
    if (parser_.allocate(1 << 16, 128) != simdjson::SUCCESS) parser_ = simdjson::dom::parser();
  }

  // lines of [begin, end) (whole lines); ``pad_end``: up to where bytes may be read
  void run(const char* base, size_t begin, size_t end, size_t pad_end) {
    size_t at = begin;
    while (at < end) {
      const char* start = base + at;
      const void* nl = std::memchr(start, '\n', end - at);
      size_t len = nl ? static_cast<size_t>(static_cast<const char*>(nl) - start) : end - at;
      int64_t line = lines++;
      if (!blank(start, len)) {
        Res r;
        if (at + len + simdjson::SIMDJSON_PADDING <= pad_end) {
          r = line_of(start, len, line);
        } else {
          padded_.assign(start, len);
          padded_.append(simdjson::SIMDJSON_PADDING, '\0');
          r = line_of(padded_.data(), len, line);
        }
        if (r == Res::TAKEN) {
          ++taken;
        } else {
          // the raw line as Python reads it: with its line end
          leftover.push_back({line, {at, nl ? len + 1 : len}});
        }
      }
      at += len + 1;
    }
  }

  // the facts so far; the last block's counts: lines (blank ones too), lines taken, and
  // the lines left over (number from 0 in the range, offset and length in the block,
  // line end included)
  Out out;
  int64_t lines = 0;
  int64_t taken = 0;
  std::vector<std::pair<int64_t, std::pair<size_t, size_t>>> leftover;

 private:
  static bool blank(const char* p, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      char c = p[i];
      if (!(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c'))
        return false;
    }
    return true;
  }

  Res line_of(const char* p, size_t len, int64_t line) {
    // the reader parses the line as orjson does: an object, first thing on the line
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) ++i;
    if (i == len || p[i] != '{') return Res::LEFTOVER;
    element doc;
    if (parser_.parse(p, len, false).get(doc)) return Res::LEFTOVER;
    switch (kind_) {
      case PATIENT:
        return patient(doc);
      case CONDITION:
        return condition(doc);
      case OBSERVATION:
        return observation(doc, line);
      case MEDICATION:
        return medication(doc);
    }
    return Res::LEFTOVER;
  }

  bool typed(const Field& rt) const {
    opt s;
    return opt_str(rt, s) && s && *s == type_;
  }

  int64_t seq(int64_t line) const { return ((ordinal_ << 32) + line + 1) << 6; }

  Res patient(const element& doc) {
    static const std::array<sv, 6> keys{"resourceType", "id",   "gender",
                                        "birthDate",    "name", "communication"};
    std::array<Field, 6> f{};
    opt id, gender;
    std::optional<int32_t> birth;
    if (!fields(doc, keys, f) || !typed(f[0]) || !opt_str(f[1], id) || !id || id->empty() ||
        !opt_str(f[2], gender) || !date_field(f[3], false, birth))
      return Res::LEFTOVER;
    if (!f[4].null()) {
      simdjson::dom::array names;
      if (f[4].type() != element_type::ARRAY || f[4].el.get(names)) return Res::LEFTOVER;
      static const std::array<sv, 3> nkeys{"given", "family", "text"};
      for (element name : names) {
        std::array<Field, 3> n{};
        opt family, text;
        if (name.type() != element_type::OBJECT || !fields(name, nkeys, n) ||
            (!n[0].null() && n[0].type() != element_type::ARRAY) || !opt_str(n[1], family) ||
            !opt_str(n[2], text))
          return Res::LEFTOVER;
      }
    }
    if (!f[5].null()) {
      simdjson::dom::array comms;
      if (f[5].type() != element_type::ARRAY || f[5].el.get(comms)) return Res::LEFTOVER;
      static const std::array<sv, 1> ckeys{"language"};
      for (element comm : comms) {
        std::array<Field, 1> c{};
        opt text;
        if (comm.type() != element_type::OBJECT || !fields(comm, ckeys, c) ||
            !concept(c[0], codings_, text))
          return Res::LEFTOVER;
      }
    }
    out.pat_pid.push(*id);
    return Res::TAKEN;
  }

  Res condition(const element& doc) {
    static const std::array<sv, 16> keys{
        "resourceType",     "subject",         "code",          "clinicalStatus",
        "verificationStatus", "onsetDateTime", "recordedDate",  "abatementDateTime",
        "category",         "bodySite",        "onsetPeriod",   "abatementString",
        "abatementAge",     "abatementRange",  "abatementBoolean", "abatementPeriod"};
    std::array<Field, 16> f{};
    sv pid;
    if (!fields(doc, keys, f) || !typed(f[0]) || !patient_of(f[1], pid)) return Res::LEFTOVER;
    for (size_t i = 8; i < keys.size(); ++i)
      if (!f[i].null()) return Res::LEFTOVER;  // fields only Python reads
    opt text, clinical, verification;
    std::optional<int32_t> onset, recorded, abatement;
    if (!concept(f[2], codings_, text) || !ascii(text) ||
        !status_code(f[3], clinical, statuses_) || !status_code(f[4], verification, statuses_) ||
        !date_field(f[5], false, onset) ||
        !date_field(f[6], false, recorded) || !date_field(f[7], true, abatement))
      return Res::LEFTOVER;
    for (const Coding& c : codings_)
      if (!ascii(c.code) || !ascii(c.display)) return Res::LEFTOVER;
    out.see(pid);
    if (family_history(text)) return Res::TAKEN;  // a relative's condition: no facts
    const std::optional<int32_t> start = onset ? onset : recorded;
    for (size_t i = 0; i < codings_.size(); ++i) {
      const std::string& system = systems_[i];
      const std::string code(*codings_[i].code);
      for (const CodeHit* hit : lookup(system, code)) {
        std::optional<std::string> zone = hit->zone;
        if (!zone && cfg_.icd_systems.count(system)) zone = icd_zone(code);
        const std::string zones = zone ? "|" + *zone + "|" : "";  // facts.zones_text
        out.cond_pid.push(pid);
        out.cond_concept.push(sv(hit->concept));
        out.cond_set.push(hit->set ? opt(*hit->set) : opt());
        out.cond_zones.push(sv(zones));
        out.cond_clinical.push(clinical);
        out.cond_verification.push(verification);
        out.cond_start.push(start);
        out.cond_abatement.push(abatement);
      }
    }
    return Res::TAKEN;
  }

  // the short names of codings_'s systems, in systems_
  void name_systems() {
    systems_.resize(codings_.size());
    for (size_t i = 0; i < codings_.size(); ++i) systems_[i] = system_of(codings_[i].system);
  }

  // system_name, remembering the last URI (most codings of a file share a few systems)
  const std::string& system_of(const opt& uri) {
    static const std::string unknown = "unknown";
    if (!uri) return unknown;
    if (!has_last_ || *uri != last_uri_) {
      last_name_ = system_name(cfg_, uri);
      last_uri_.assign(uri->data(), uri->size());
      has_last_ = true;
    }
    return last_name_;
  }

  // reader.is_family_history, for a Condition without category (its codings named)
  bool family_history(const opt& text) {
    name_systems();
    if (mentions_family(text)) return true;
    for (size_t i = 0; i < codings_.size(); ++i) {
      const Coding& c = codings_[i];
      if (systems_[i] == "snomed" && cfg_.family_snomed.count(std::string(*c.code)))
        return true;
      if (cfg_.family_systems.count(systems_[i])) {
        const std::string norm = normalize_icd10(*c.code);
        for (const std::string& prefix : cfg_.family_icd10)
          if (norm.compare(0, prefix.size(), prefix) == 0) return true;
      }
      if (mentions_family(c.display)) return true;
    }
    return false;
  }

  // texts are ASCII here: casefold is lower
  bool mentions_family(const opt& text) const {
    if (!text || text->empty()) return false;
    std::string folded(*text);
    for (char& ch : folded)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    for (const std::string& word : cfg_.family_words)
      if (folded.find(word) != std::string::npos) return true;
    return false;
  }

  static std::string normalize_icd10(sv code) {
    std::string out;
    for (char ch : code) {
      if (ch == '.' || ch == ' ') continue;
      out.push_back(ch >= 'a' && ch <= 'z' ? static_cast<char>(ch - 'a' + 'A') : ch);
    }
    return out;
  }

  // CodeIndex.lookup: ICD-10 codes by every prefix from the category on, others exactly
  const std::vector<const CodeHit*>& lookup(const std::string& system, const std::string& code) {
    found_.clear();
    if (cfg_.icd_systems.count(system)) {
      const std::string norm = normalize_icd10(code);
      for (size_t n = 3; n <= norm.size(); ++n) {
        auto hit = cfg_.codes_icd.find(norm.substr(0, n));
        if (hit != cfg_.codes_icd.end())
          for (const CodeHit& h : hit->second) found_.push_back(&h);
      }
    } else {
      key_ = system;
      key_.push_back('\x1f');
      key_.append(code);
      auto hit = cfg_.codes_exact.find(key_);
      if (hit != cfg_.codes_exact.end())
        for (const CodeHit& h : hit->second) found_.push_back(&h);
    }
    return found_;
  }

  // CodeIndex.icd10_zone: the zone a spine code names in its last character
  std::optional<std::string> icd_zone(const std::string& code) const {
    const std::string norm = normalize_icd10(code);
    if (norm.size() < 5 || !cfg_.spine_categories.count(norm.substr(0, 3))) return std::nullopt;
    auto zone = cfg_.site_character.find(norm.substr(norm.size() - 1));
    if (zone == cfg_.site_character.end()) return std::nullopt;
    return zone->second;
  }

  Res medication(const element& doc) {
    static const std::array<sv, 9> keys{"resourceType",      "subject",
                                        "status",            "medicationCodeableConcept",
                                        "medicationReference", "dispenseRequest",
                                        "authoredOn",        "effectiveDateTime",
                                        "effectivePeriod"};
    std::array<Field, 9> f{};
    sv pid;
    if (!fields(doc, keys, f) || !typed(f[0]) || !patient_of(f[1], pid)) return Res::LEFTOVER;
    opt status;
    if (!f[2].null() && f[2].type() == element_type::STRING)
      status = f[2].el.get_string().value_unsafe();
    if (status && *status == "entered-in-error") {  // set aside unread
      out.see(pid);
      return Res::TAKEN;
    }
    opt text;
    std::optional<int32_t> authored, effective, begin, end;
    if (!opt_str(f[2], status) || f[3].null() || !f[4].null() || !f[5].null() ||
        !concept(f[3], codings_, text) || !date_field(f[6], false, authored) ||
        !date_field(f[7], false, effective))
      return Res::LEFTOVER;
    if (!f[8].null()) {
      static const std::array<sv, 2> pkeys{"start", "end"};
      std::array<Field, 2> p{};
      if (f[8].type() != element_type::OBJECT || !fields(f[8].el, pkeys, p) ||
          !date_field(p[0], false, begin) || !date_field(p[1], true, end))
        return Res::LEFTOVER;
    }
    for (const Coding& c : codings_)
      if (!ascii(c.code)) return Res::LEFTOVER;
    out.see(pid);
    // the concepts its codings name, each once (Facts.concepts_of)
    name_systems();
    concepts_.clear();
    for (size_t i = 0; i < codings_.size(); ++i)
      for (const CodeHit* hit : lookup(systems_[i], std::string(*codings_[i].code)))
        if (std::none_of(concepts_.begin(), concepts_.end(),
                         [&](const std::string* seen) { return *seen == hit->concept; }))
          concepts_.push_back(&hit->concept);
    const std::optional<int32_t> start = authored ? authored : effective ? effective : begin;
    for (const std::string* concept : concepts_) {
      out.med_pid.push(pid);
      out.med_concept.push(sv(*concept));
      out.med_status.push(status);
      out.med_start.push(start);
      out.med_end.push(end);
    }
    return Res::TAKEN;
  }

  // _measure_of: the first coding (an object with a string code) that is a measure;
  // -1: the reader rejects the concept, 0: no measure, 1: ``hit``
  int measure_of(const Field& code, const Measure*& hit) {
    hit = nullptr;
    if (code.null()) return 0;
    if (code.type() != element_type::OBJECT) return -1;
    static const std::array<sv, 1> keys{"coding"};
    std::array<Field, 1> got{};
    if (!fields(code.el, keys, got)) return -1;
    if (got[0].null()) return 0;
    simdjson::dom::array list;
    if (got[0].type() != element_type::ARRAY || got[0].el.get(list)) return -1;
    static const std::array<sv, 3> ckeys{"system", "code", "display"};
    for (element item : list) {
      if (item.type() != element_type::OBJECT) continue;
      std::array<Field, 3> c{};
      if (!fields(item, ckeys, c)) return -1;
      if (c[1].null() || c[1].type() != element_type::STRING) continue;
      opt system, display;
      if (!opt_str(c[0], system)) return -1;
      key_ = system_of(system);
      key_.push_back('\x1f');
      key_.append(c[1].el.get_string().value_unsafe());
      auto found = cfg_.measures.find(key_);
      if (found != cfg_.measures.end()) {
        if (!opt_str(c[2], display)) return -1;  // _coding() of the hit
        hit = &found->second;
        return 1;
      }
    }
    return 0;
  }

  struct Hit {
    const Measure* measure;
    element node;
  };

  // _measurement: 1 a value (``value``), 0 none (a bound, or no unit), -1 left over
  int measurement(const Hit& hit, double& value) {
    static const std::array<sv, 2> keys{"valueQuantity", "valueInteger"};
    std::array<Field, 2> f{};
    if (!fields(hit.node, keys, f)) return -1;
    std::array<opt, 2> candidates;
    size_t count;
    if (!f[0].null()) {
      if (f[0].type() != element_type::OBJECT) return -1;
      static const std::array<sv, 4> qkeys{"value", "comparator", "code", "unit"};
      std::array<Field, 4> q{};
      if (!fields(f[0].el, qkeys, q) || q[0].null() || !number(q[0].el, false, value))
        return -1;
      opt comparator, code, unit;
      if (!opt_str(q[1], comparator)) return -1;
      if (comparator && !comparator->empty()) return 0;  // a bound, not a measurement
      if (!opt_str(q[2], code) || !opt_str(q[3], unit)) return -1;
      if (code) {
        candidates = {code, unit};
        count = 2;
      } else {
        candidates = {unit, opt()};
        count = 1;
      }
    } else if (f[1].present) {
      if (!number(f[1].el, true, value)) return -1;
      candidates = {opt(), opt()};
      count = 1;
    } else {
      return -1;  // no value: Python tells the reasons apart
    }
    for (size_t i = 0; i < count; ++i) {
      switch (convert(cfg_, candidates[i], hit.measure->target)) {
        case Conv::SAME:
          return 1;
        case Conv::FAILS:
          continue;
        default:
          return -1;  // a conversion that rounds: Python's
      }
    }
    for (size_t i = 0; i < count; ++i)
      if (candidates[i] && !candidates[i]->empty()) return -1;  // a unit it cannot convert
    return 0;                                                   // no unit: set aside
  }

  // a JSON number (an integer only, with ``integer``) as Python's float() reads it
  static bool number(const element& el, bool integer, double& out) {
    switch (el.type()) {
      case element_type::INT64:
        out = static_cast<double>(el.get_int64().value_unsafe());
        return true;
      case element_type::UINT64:
        out = static_cast<double>(el.get_uint64().value_unsafe());
        return true;
      case element_type::DOUBLE:
        if (integer) return false;
        out = el.get_double().value_unsafe();
        return true;
      default:
        return false;
    }
  }

  Res observation(const element& doc, int64_t line) {
    static const std::array<sv, 9> keys{"resourceType", "subject",          "status",
                                        "code",         "component",        "effectiveDateTime",
                                        "effectivePeriod", "effectiveInstant", "issued"};
    std::array<Field, 9> f{};
    sv pid;
    if (!fields(doc, keys, f) || !typed(f[0]) || !patient_of(f[1], pid)) return Res::LEFTOVER;
    hits_.clear();
    values_.clear();
    const Measure* m;
    int r = measure_of(f[3], m);
    if (r < 0) return Res::LEFTOVER;
    if (r) hits_.push_back({m, doc});
    if (!f[4].null()) {
      simdjson::dom::array comps;
      if (f[4].type() != element_type::ARRAY || f[4].el.get(comps)) return Res::LEFTOVER;
      if (comps.size() >= 60) return Res::LEFTOVER;  // seq keeps room for 64 values
      static const std::array<sv, 1> ckeys{"code"};
      for (element comp : comps) {
        std::array<Field, 1> c{};
        if (comp.type() != element_type::OBJECT || !fields(comp, ckeys, c)) return Res::LEFTOVER;
        r = measure_of(c[0], m);
        if (r < 0) return Res::LEFTOVER;
        if (r) hits_.push_back({m, comp});
      }
    }
    std::optional<int32_t> when;
    if (!hits_.empty()) {
      opt status;
      if (!opt_str(f[2], status)) return Res::LEFTOVER;
      if (status && (*status == "cancelled" || *status == "entered-in-error")) hits_.clear();
    }
    if (!hits_.empty()) {
      // the first date present: effectiveDateTime, effectivePeriod.start,
      // effectiveInstant, issued (none: set aside)
      if (!f[5].null()) {
        if (!date_field(f[5], false, when)) return Res::LEFTOVER;
      } else {
        if (!f[6].null()) {
          static const std::array<sv, 1> pkeys{"start"};
          std::array<Field, 1> p{};
          if (f[6].type() != element_type::OBJECT || !fields(f[6].el, pkeys, p) ||
              !date_field(p[0], false, when))
            return Res::LEFTOVER;
        }
        if (!when && !f[7].null() && !date_field(f[7], false, when)) return Res::LEFTOVER;
        if (!when && !f[8].null() && !date_field(f[8], false, when)) return Res::LEFTOVER;
      }
      if (!when) hits_.clear();
    }
    for (const Hit& hit : hits_) {
      double value;
      int got = measurement(hit, value);
      if (got < 0) return Res::LEFTOVER;
      if (got) values_.push_back({hit.measure, value});
    }
    out.see(pid);
    int64_t base = seq(line);
    for (size_t i = 0; i < values_.size(); ++i) {
      out.obs_pid.push(pid);
      out.obs_measure.push(sv(values_[i].first->id));
      out.obs_value.push(values_[i].second);
      out.obs_date.push(*when);
      out.obs_seq.push(base + static_cast<int64_t>(i));
    }
    return Res::TAKEN;
  }

  const Config& cfg_;
  Kind kind_;
  std::string type_;
  int64_t ordinal_;
  simdjson::dom::parser parser_;
  std::string padded_;
  std::string key_;
  bool has_last_ = false;
  std::string last_uri_, last_name_;
  std::vector<Coding> codings_, statuses_;
  std::vector<std::string> systems_;
  std::vector<const CodeHit*> found_;
  std::vector<const std::string*> concepts_;
  std::vector<Hit> hits_;
  std::vector<std::pair<const Measure*, double>> values_;
};

// ------------------------------------------------------------------------------------
// Python glue

bool str_of(PyObject* o, std::string& out) {
  Py_ssize_t n;
  const char* s = PyUnicode_AsUTF8AndSize(o, &n);
  if (!s) return false;
  out.assign(s, static_cast<size_t>(n));
  return true;
}

bool str_map(PyObject* dict, std::unordered_map<std::string, std::string>& out) {
  if (!PyDict_Check(dict)) {
    PyErr_SetString(PyExc_TypeError, "expected a dict of str to str");
    return false;
  }
  PyObject *k, *v;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict, &pos, &k, &v)) {
    std::string a, b;
    if (!str_of(k, a) || !str_of(v, b)) return false;
    out.emplace(std::move(a), std::move(b));
  }
  return true;
}

void free_config(PyObject* capsule) {
  delete static_cast<Config*>(PyCapsule_GetPointer(capsule, CONFIG_CAPSULE));
}

// the value of ``key`` in the dict ``tables`` (a borrowed reference), or an error
PyObject* table(PyObject* tables, const char* key) {
  PyObject* value = PyDict_GetItemString(tables, key);
  if (!value) PyErr_Format(PyExc_KeyError, "config: no '%s'", key);
  return value;
}

// each item of the sequence ``tables[key]``, parsed by ``take``
template <typename F>
bool each(PyObject* tables, const char* key, F take) {
  PyObject* items = table(tables, key);
  if (!items) return false;
  PyObject* seq = PySequence_Fast(items, "config: a sequence");
  if (!seq) return false;
  bool ok = true;
  for (Py_ssize_t i = 0; ok && i < PySequence_Fast_GET_SIZE(seq); ++i)
    ok = take(PySequence_Fast_GET_ITEM(seq, i));
  Py_DECREF(seq);
  return ok;
}

bool str_set(PyObject* tables, const char* key, std::unordered_set<std::string>& out) {
  return each(tables, key, [&](PyObject* item) {
    std::string s;
    if (!str_of(item, s)) return false;
    out.insert(std::move(s));
    return true;
  });
}

bool str_list(PyObject* tables, const char* key, std::vector<std::string>& out) {
  return each(tables, key, [&](PyObject* item) {
    std::string s;
    if (!str_of(item, s)) return false;
    out.push_back(std::move(s));
    return true;
  });
}

std::optional<std::string> opt_string(const char* s) {
  return s ? std::optional<std::string>(s) : std::nullopt;
}

// config(tables) -> capsule. ``tables``: systems, units, units_folded ({str: str}),
// scales ({canonical: (dimension, scale, offset)}), measures ([(system, code, id, unit)]),
// codes_exact ([(system, code, concept, set, zone)]), codes_icd ([(prefix, concept, set,
// zone)]), icd_systems, spine_categories ([str]), site_character ({str: str}),
// family_snomed, family_icd10, family_systems, family_words ([str])
PyObject* py_config(PyObject*, PyObject* args) {
  PyObject* tables;
  if (!PyArg_ParseTuple(args, "O!", &PyDict_Type, &tables)) return nullptr;
  auto cfg = std::make_unique<Config>();
  PyObject *systems, *units, *folded, *scales, *sites;
  if (!(systems = table(tables, "systems")) || !(units = table(tables, "units")) ||
      !(folded = table(tables, "units_folded")) || !(scales = table(tables, "scales")) ||
      !(sites = table(tables, "site_character")) || !str_map(systems, cfg->systems) ||
      !str_map(units, cfg->units) || !str_map(folded, cfg->units_folded) ||
      !str_map(sites, cfg->site_character))
    return nullptr;
  if (!PyDict_Check(scales)) {
    PyErr_SetString(PyExc_TypeError, "config: scales should be a dict");
    return nullptr;
  }
  PyObject *k, *v;
  Py_ssize_t pos = 0;
  while (PyDict_Next(scales, &pos, &k, &v)) {
    std::string name;
    const char* dim;
    Scale s;
    if (!str_of(k, name) || !PyArg_ParseTuple(v, "sdd", &dim, &s.scale, &s.offset))
      return nullptr;
    s.dimension = dim;
    cfg->scales.emplace(name, s);
  }
  Config& c = *cfg;
  const bool ok =
      each(tables, "measures",
           [&](PyObject* item) {
             const char *sys, *code, *id, *unit;
             if (!PyArg_ParseTuple(item, "ssss", &sys, &code, &id, &unit)) return false;
             c.measures[std::string(sys) + '\x1f' + code] = Measure{id, unit};
             return true;
           }) &&
      each(tables, "codes_exact",
           [&](PyObject* item) {
             const char *sys, *code, *concept, *set, *zone;
             if (!PyArg_ParseTuple(item, "ssszz", &sys, &code, &concept, &set, &zone))
               return false;
             c.codes_exact[std::string(sys) + '\x1f' + code].push_back(
                 CodeHit{concept, opt_string(set), opt_string(zone)});
             return true;
           }) &&
      each(tables, "codes_icd",
           [&](PyObject* item) {
             const char *prefix, *concept, *set, *zone;
             if (!PyArg_ParseTuple(item, "sszz", &prefix, &concept, &set, &zone)) return false;
             c.codes_icd[prefix].push_back(CodeHit{concept, opt_string(set), opt_string(zone)});
             return true;
           }) &&
      str_set(tables, "icd_systems", c.icd_systems) &&
      str_set(tables, "spine_categories", c.spine_categories) &&
      str_set(tables, "family_snomed", c.family_snomed) &&
      str_list(tables, "family_icd10", c.family_icd10) &&
      str_set(tables, "family_systems", c.family_systems) &&
      str_list(tables, "family_words", c.family_words);
  if (!ok) return nullptr;
  return PyCapsule_New(cfg.release(), CONFIG_CAPSULE, free_config);
}

// Buffer: bytes owned here, lent to Python (and Arrow) through the buffer protocol.

struct BufferObject {
  PyObject_HEAD std::string* data;
};

PyTypeObject* BufferType = nullptr;

void buffer_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  delete reinterpret_cast<BufferObject*>(self)->data;
  type->tp_free(self);
  Py_DECREF(type);
}

int buffer_get(PyObject* self, Py_buffer* view, int flags) {
  std::string* data = reinterpret_cast<BufferObject*>(self)->data;
  return PyBuffer_FillInfo(view, self, data->data(), static_cast<Py_ssize_t>(data->size()), 1,
                           flags);
}

PyType_Slot BUFFER_SLOTS[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(buffer_dealloc)},
    {Py_bf_getbuffer, reinterpret_cast<void*>(buffer_get)},
    {Py_tp_doc, const_cast<char*>("Bytes of one Arrow buffer.")},
    {0, nullptr},
};

PyType_Spec BUFFER_SPEC = {"spinecare.bulk._fastread.Buffer", sizeof(BufferObject), 0,
                           Py_TPFLAGS_DEFAULT, BUFFER_SLOTS};

PyObject* buffer(std::string&& data) {
  auto* self = PyObject_New(BufferObject, BufferType);
  if (!self) return nullptr;
  self->data = new std::string(std::move(data));
  return reinterpret_cast<PyObject*>(self);
}

PyObject* validity(Bits& bits) {
  if (!bits.nulls) Py_RETURN_NONE;
  return buffer(std::move(bits.bits));
}

// a column: (tag, length, validity or None, values, offsets or None)
PyObject* column(StrCol& c) {
  Py_ssize_t n = static_cast<Py_ssize_t>(c.valid.n);
  return Py_BuildValue("(snNNN)", "s", n, validity(c.valid), buffer(std::move(c.data)),
                       buffer(std::move(c.offsets)));
}

template <typename T>
PyObject* column(NumCol<T>& c, const char* tag) {
  Py_ssize_t n = static_cast<Py_ssize_t>(c.valid.n);
  PyObject* none = Py_None;
  Py_INCREF(none);
  return Py_BuildValue("(snNNN)", tag, n, validity(c.valid), buffer(std::move(c.values)), none);
}

PyObject* tables(Kind kind, Out& o) {
  switch (kind) {
    case PATIENT:
      return Py_BuildValue("{s:[N]}", "patients", column(o.pat_pid));
    case OBSERVATION:
      return Py_BuildValue("{s:[NNNNN],s:[NN]}", "observations", column(o.obs_pid),
                           column(o.obs_measure), column(o.obs_value, "d"),
                           column(o.obs_date, "D"), column(o.obs_seq, "q"), "seen",
                           column(o.seen_pid), column(o.seen_n, "q"));
    case CONDITION:
      return Py_BuildValue("{s:[NNNNNNNN],s:[NN]}", "conditions", column(o.cond_pid),
                           column(o.cond_concept), column(o.cond_set), column(o.cond_zones),
                           column(o.cond_clinical), column(o.cond_verification),
                           column(o.cond_start, "D"), column(o.cond_abatement, "D"), "seen",
                           column(o.seen_pid), column(o.seen_n, "q"));
    default:
      return Py_BuildValue("{s:[NNNNN],s:[NN]}", "medications", column(o.med_pid),
                           column(o.med_concept), column(o.med_status), column(o.med_start, "D"),
                           column(o.med_end, "D"), "seen", column(o.seen_pid),
                           column(o.seen_n, "q"));
  }
}

// Reader(config, kind, type, ordinal, threads): one file's reader.

struct ReaderObject {
  PyObject_HEAD PyObject* capsule;
  Kind kind;
  std::vector<Worker*>* workers;
};

void reader_dealloc(PyObject* self) {
  auto* r = reinterpret_cast<ReaderObject*>(self);
  if (r->workers) {
    for (Worker* w : *r->workers) delete w;
    delete r->workers;
  }
  Py_XDECREF(r->capsule);
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);
}

int reader_init(PyObject* self, PyObject* args, PyObject*) {
  auto* r = reinterpret_cast<ReaderObject*>(self);
  PyObject* capsule;
  const char *kind_name, *type_name;
  long long ordinal;
  int threads;
  if (!PyArg_ParseTuple(args, "OssLi", &capsule, &kind_name, &type_name, &ordinal, &threads))
    return -1;
  auto* cfg = static_cast<Config*>(PyCapsule_GetPointer(capsule, CONFIG_CAPSULE));
  if (!cfg) return -1;
  const std::string k(kind_name);
  if (k == "Patient") {
    r->kind = PATIENT;
  } else if (k == "Condition") {
    r->kind = CONDITION;
  } else if (k == "Observation") {
    r->kind = OBSERVATION;
  } else if (k == "Medication") {
    r->kind = MEDICATION;
  } else {
    PyErr_Format(PyExc_ValueError, "unknown kind '%s'", kind_name);
    return -1;
  }
  threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
  Py_INCREF(capsule);
  Py_XSETREF(r->capsule, capsule);
  if (!r->workers) r->workers = new std::vector<Worker*>();
  for (Worker* w : *r->workers) delete w;
  r->workers->clear();
  for (int i = 0; i < threads; ++i) r->workers->push_back(new Worker(*cfg, r->kind, type_name, ordinal));
  return 0;
}

// parse(block, first_line) -> (lines, taken, [(line, bytes)]): a block of whole lines,
// the first being line ``first_line`` of the file
PyObject* reader_parse(PyObject* self, PyObject* args) {
  auto* r = reinterpret_cast<ReaderObject*>(self);
  if (!r->workers || r->workers->empty()) {
    PyErr_SetString(PyExc_RuntimeError, "Reader not initialised");
    return nullptr;
  }
  Py_buffer view;
  long long first_line;
  if (!PyArg_ParseTuple(args, "y*L", &view, &first_line)) return nullptr;
  struct Release {
    Py_buffer* v;
    ~Release() { PyBuffer_Release(v); }
  } release{&view};
  std::vector<Worker*>& workers = *r->workers;
  const char* base = static_cast<const char*>(view.buf);
  const size_t size = static_cast<size_t>(view.len);
  // ranges of whole lines, about equal
  std::vector<size_t> cuts{0};
  for (size_t t = 1; t < workers.size(); ++t) {
    size_t at = size * t / workers.size();
    if (at <= cuts.back()) continue;
    const void* nl = std::memchr(base + at, '\n', size - at);
    if (!nl) break;
    size_t cut = static_cast<size_t>(static_cast<const char*>(nl) - base) + 1;
    if (cut > cuts.back() && cut < size) cuts.push_back(cut);
  }
  cuts.push_back(size);
  const size_t used = cuts.size() - 1;
  // rows before this block, to number this block's lines once the ranges are counted
  std::vector<size_t> before(used);
  for (size_t i = 0; i < used; ++i) before[i] = workers[i]->out.obs_seq.size();
  // a thread that fails (out of memory) is reported, never left to end the process
  std::vector<std::string> failed(used);
  auto work = [&](size_t i) {
    try {
      workers[i]->run(base, cuts[i], cuts[i + 1], size);
    } catch (const std::exception& e) {
      failed[i] = e.what();
      if (failed[i].empty()) failed[i] = "unknown error";
    }
  };
  Py_BEGIN_ALLOW_THREADS;
  std::vector<std::thread> pool;
  for (size_t i = 1; i < used; ++i) {
    try {
      pool.emplace_back(work, i);
    } catch (const std::system_error&) {  // no thread to be had: this one does the range
      work(i);
    }
  }
  work(0);
  for (auto& t : pool) t.join();
  Py_END_ALLOW_THREADS;
  for (const std::string& why : failed) {
    if (!why.empty()) {
      PyErr_Format(PyExc_MemoryError, "native reader: %s", why.c_str());
      return nullptr;
    }
  }
  int64_t line = first_line - 1;  // 0-based number of the range's first line in the file
  int64_t lines = 0, taken = 0;
  PyObject* leftover = PyList_New(0);
  if (!leftover) return nullptr;
  for (size_t i = 0; i < used; ++i) {
    Worker& w = *workers[i];
    const int64_t shift = line << 6;
    w.out.obs_seq.add_from(before[i], shift);
    for (auto& [n, span] : w.leftover) {
      PyObject* item = Py_BuildValue("(Ly#)", static_cast<long long>(line + n + 1),
                                     base + span.first, static_cast<Py_ssize_t>(span.second));
      if (!item || PyList_Append(leftover, item) < 0) {
        Py_XDECREF(item);
        Py_DECREF(leftover);
        return nullptr;
      }
      Py_DECREF(item);
    }
    line += w.lines;
    lines += w.lines;
    taken += w.taken;
    w.lines = w.taken = 0;
    w.leftover.clear();
  }
  return Py_BuildValue("(LLN)", static_cast<long long>(lines), static_cast<long long>(taken),
                       leftover);
}

// take() -> [{table: [column, ...]}, ...]: the facts so far, one set per thread
PyObject* reader_take(PyObject* self, PyObject*) {
  auto* r = reinterpret_cast<ReaderObject*>(self);
  PyObject* out = PyList_New(0);
  if (!out || !r->workers) return out;
  for (Worker* w : *r->workers) {
    PyObject* item = tables(r->kind, w->out);
    w->out = Out();
    if (!item || PyList_Append(out, item) < 0) {
      Py_XDECREF(item);
      Py_DECREF(out);
      return nullptr;
    }
    Py_DECREF(item);
  }
  return out;
}

PyMethodDef READER_METHODS[] = {
    {"parse", reader_parse, METH_VARARGS, "Read a block of whole lines."},
    {"take", reader_take, METH_NOARGS, "The facts read so far (and start afresh)."},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot READER_SLOTS[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(reader_dealloc)},
    {Py_tp_init, reinterpret_cast<void*>(reader_init)},
    {Py_tp_new, reinterpret_cast<void*>(PyType_GenericNew)},
    {Py_tp_methods, READER_METHODS},
    {Py_tp_doc,
     const_cast<char*>("Reader(config, kind, type, ordinal, threads): one NDJSON file's facts.")},
    {0, nullptr},
};

PyType_Spec READER_SPEC = {"spinecare.bulk._fastread.Reader", sizeof(ReaderObject), 0,
                           Py_TPFLAGS_DEFAULT, READER_SLOTS};

// touch(buffer, start, end): read one byte of every page of buffer[start:end], without
// the GIL, so the kernel loads those pages while other threads go on
PyObject* py_touch(PyObject*, PyObject* args) {
  Py_buffer view;
  Py_ssize_t start, end;
  if (!PyArg_ParseTuple(args, "y*nn", &view, &start, &end)) return nullptr;
  start = start < 0 ? 0 : start;
  end = end > view.len ? view.len : end;
  const volatile unsigned char* data = static_cast<const unsigned char*>(view.buf);
  unsigned sum = 0;
  Py_BEGIN_ALLOW_THREADS;
  const Py_ssize_t page = 4096;
  for (Py_ssize_t at = start - start % page; at < end; at += page) sum += data[at];
  Py_END_ALLOW_THREADS;
  PyBuffer_Release(&view);
  return PyLong_FromUnsignedLong(sum);
}

PyMethodDef METHODS[] = {
    {"touch", py_touch, METH_VARARGS, "Load the pages of buffer[start:end] (no GIL)."},
    {"config", py_config, METH_VARARGS, "Reading tables from Python -> a config capsule."},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef MODULE = {PyModuleDef_HEAD_INIT,
                      "_fastread",
                      "Native NDJSON reader of bulk screening.",
                      -1,
                      METHODS,
                      nullptr,
                      nullptr,
                      nullptr,
                      nullptr};

}  // namespace

PyMODINIT_FUNC PyInit__fastread() {
  BufferType = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&BUFFER_SPEC));
  if (!BufferType) return nullptr;
  PyObject* reader = PyType_FromSpec(&READER_SPEC);
  if (!reader) return nullptr;
  PyObject* module = PyModule_Create(&MODULE);
  if (!module || PyModule_AddObject(module, "Reader", reader) < 0) {
    Py_DECREF(reader);
    Py_XDECREF(module);
    return nullptr;
  }
  return module;
}
