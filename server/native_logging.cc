#include "server/native_logging.h"

#include <algorithm>
#include <string>
#include <vector>

#include "wire/engine_convert.h"

namespace asof::server {

Status AnswerServedLog(Engine& engine, const wire::ServedLogRequest& request,
                       flatbuffers::FlatBufferBuilder* fbb) {
  ServedLogQuery q;
  q.from_ts = request.from_ts();
  q.to_ts = request.to_ts();
  if (q.from_ts > q.to_ts) return InvalidArgument("from_ts is after to_ts");
  q.entity_type = std::string(wire::StringOf(request.entity_type()));
  // A typo must not look like an empty log.
  if (!q.entity_type.empty())
    RETURN_IF_ERROR(engine.registry().GetEntityType(q.entity_type).status());
  if (request.has_after()) q.after = std::make_pair(request.after_ts(), request.after_seq());
  q.limit =
      request.limit() == 0 ? kServedLogDefaultLimit : std::min(request.limit(), kServedLogMaxLimit);
  // Buffered rows first, so that the export holds every row sampled before the request.
  RETURN_IF_ERROR(engine.served_log().Flush());
  ASSIGN_OR_RETURN(std::vector<ServedRow> rows, engine.served_log().Read(q));

  std::vector<flatbuffers::Offset<wire::ServedRow>> packed;
  packed.reserve(rows.size());
  std::vector<flatbuffers::Offset<flatbuffers::String>> names;
  std::vector<flatbuffers::Offset<wire::FeatureValue>> values;
  for (const ServedRow& row : rows) {
    names.clear();
    values.clear();
    for (const std::string& f : row.features) names.push_back(fbb->CreateString(f));
    for (const FeatureValue& v : row.values) values.push_back(wire::EncodeFeatureValue(v, fbb));
    packed.push_back(wire::CreateServedRowDirect(*fbb, row.request_ts, row.seq,
                                                 row.entity_type.c_str(), row.entity_id.c_str(),
                                                 &names, &values));
  }
  fbb->Finish(wire::CreateServedLogResponseDirect(*fbb, &packed));
  return Status::Ok();
}

}  // namespace asof::server
