// Package record defines the discharge Record the engine groups and reads and
// writes record files: CSV or TSV with a header row and JSON lines, optionally
// zstd-compressed (`.zst`; gzip is read too) and GBK/GB18030-encoded.
//
// The columns (StandardColumns) may come in any order; header names are
// matched case-insensitively, unknown columns are ignored unless kept
// (Options.KeepColumns, into Record.Extra). List columns (secondary_dx,
// procedures) separate items with '|'. Blank cells are absent values.
//
// A settlement-list (医疗保障基金结算清单) export is read under its own
// Chinese column names: each standard column is also found under the
// aliases below, in CSV and TSV headers and as JSON keys alike. Names are
// matched after trimming, lower-casing, making full-width characters ASCII
// and dropping spaces, so 年龄（天） and "年龄 (天)" are 年龄(天). Two
// columns naming one standard column (id and 结算ID, or 入院日期 and
// 入院时间) fail NewReader naming both. Only names that say "code" are
// taken for code columns (a bare 主要诊断 is often the diagnosis' name),
// and 病案号 is no id (a patient keeps it across stays).
//
//	id                清单流水号, 结算清单流水号, 结算清单号, 结算ID, 结算流水号
//	hospital_id       定点医疗机构代码, 定点医疗机构编码, 定点医药机构编码, 医疗机构代码, 医疗机构编码
//	hospital_level    医疗机构级别, 定点医疗机构级别, 医院级别
//	hospital_kind     医疗机构类别, 医院类别, 医院类型
//	sex               性别, 性别代码
//	age_years         年龄, 年龄(岁)
//	age_days          年龄(天), (年龄不足1周岁)年龄(天), 年龄不足1周岁的年龄(天), 不足1周岁年龄(天)
//	birth_weight_g    新生儿出生体重(克), 新生儿出生体重(g), 出生体重(克), 出生体重
//	admit_date        入院日期, 入院时间
//	discharge_date    出院日期, 出院时间
//	los_days          实际住院天数, 住院天数
//	discharge_method  离院方式, 离院方式代码
//	principal_dx      主要诊断代码, 主要诊断编码, 主诊断代码, 主诊断编码, 西医主要诊断代码
//	secondary_dx      其他诊断代码, 其他诊断编码, 次要诊断代码, 次要诊断编码
//	tcm_principal_dx  中医主病代码, 中医主病编码, 主病代码, 主病编码
//	tcm_syndrome      中医主证代码, 中医主证编码, 主证代码, 主证编码
//	procedures        手术及操作代码, 手术及操作编码, 手术操作代码, 手术操作编码
//	vent_hours        呼吸机使用时间, 呼吸机使用时间(小时), 有创呼吸机使用时间, 有创呼吸机使用时间(小时)
//	total_cost        住院总费用, 医疗费总额, 住院医疗总费用, 总费用
//	tcm_cost          中医类费用, 中医治疗费, 中医类总费用
//	day_ward          日间病房, 是否日间病房, 日间病房标志
//
// A local export with names of its own is read through a column map
// (Options.ColumnNames, read from a two-column file by ParseColumnMap),
// consulted before the names above; it may also send a column nowhere
// ("-"), for an export with both 入院日期 and 入院时间. Values are read as
// in any file (性别 男/女, 医疗机构级别 三级, 日间病房 是/否 included);
// vent_hours must be hours, not a 天/小时/分钟 triple.
//
// A list given one column per item, as many settlement-list exports do,
// is read as one list in a CSV or TSV header: a list column's name (or an
// alias, with or without 其他) followed by a number (其他诊断代码1,
// 其他诊断代码2, secondary_dx_3; not 诊断代码1, in some exports the
// principal again), 主要手术及操作代码 for the main procedure and
// 其他手术及操作代码 for the rest. The main procedure comes first, then
// the plain-named column, the 其他 one, then the numbered ones by number,
// empty cells left out; a bad item is named by its own column. Two
// columns at the same place (其他诊断代码1 and 其他诊断编码1) are an error.
// JSON lines keep one key per list.
//
// A Reader streams: memory stays flat whatever the file size. It normalises
// every code (codes.Normalize) and validates every record; a record that
// cannot be used is returned as an *Error naming its line, id, field and cause,
// and counted, so that records in = accepted + rejected always holds.
// Numbers are plain decimals, with an exponent as spreadsheets write them
// (ParseNumber; not 1,000, 1_000 or 0x1p4), and have bounds beyond any real
// stay (los_days ≤ 3650, vent_hours ≤ 87 600, total_cost and tcm_cost ≤ 10^9
// yuan); past them a record is rejected as out_of_range. The caller writes
// rejects with a RejectWriter, which keeps the original line.
// A Writer writes records back out (Create for files), in a form a Reader
// reads to the same records. TextOptions describe an output for people
// (a byte-order mark for Excel, GBK or GB18030, Chinese column names);
// NewRejectWriterText and grouper/batch write by them.
//
//	rd, err := record.Open("discharges.csv.zst", record.Options{})
//	...
//	defer rd.Close()
//	var rec record.Record
//	for {
//		err := rd.Read(&rec)
//		if err == io.EOF {
//			break
//		}
//		var bad *record.Error
//		if errors.As(err, &bad) {
//			rejects.Write(bad)
//			continue
//		}
//		...
//	}
//
// A parallel pipeline splits that work: one goroutine cuts the input into
// Chunks of whole records (Reader.ReadChunk, which only looks for line ends
// and quotes), any number of goroutines parse them (a ChunkParser each, with
// exactly Read's results and line numbers), and the ordered last stage checks
// ids for duplicates with an IDSet. grouper/batch does this.
//
// Layer: the input model, above codes and internal/ machinery (compressio,
// idset, textenc for encoding detection, rowscan for line buffering, field
// splitting and chunk cutting); the grouping core and everything above it read records through
// it. It knows nothing of rule sets or payments.
package record
