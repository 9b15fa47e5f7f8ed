#ifndef LLMGW_PROVIDERS_GEMINI_GEMINI_SCHEMA_H_
#define LLMGW_PROVIDERS_GEMINI_GEMINI_SCHEMA_H_

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

// JSON Schema (what callers give for tool parameters and json_schema output)
// to the Gemini API's `Schema` (v1beta, a subset of the OpenAPI 3.0 schema
// object), used for FunctionDeclaration.parameters and
// GenerationConfig.responseSchema. The API rejects a schema with any field it
// does not know ("Invalid JSON payload received. Unknown name
// \"additionalProperties\" ... Cannot find field."), so every keyword is
// either mapped, dropped (annotations only) or refused:
//
//   mapped   type ("string" -> STRING ...; ["T", "null"] -> T + nullable),
//            title, description, enum (strings only), const (string ->
//            one-value enum), format (STRING: "enum" / "date-time"; NUMBER:
//            "float" / "double"; INTEGER: "int32" / "int64"; other formats
//            are dropped: in JSON Schema a format is an annotation), items,
//            properties, required, anyOf, nullable, minItems, maxItems,
//            minProperties, maxProperties, minLength, maxLength, pattern,
//            minimum, maximum, default, example, examples (first one ->
//            example), propertyOrdering. A schema without "type" but with
//            "properties" is an OBJECT, with "items" an ARRAY, with a string
//            const/enum a STRING. {"type": "null"} branches of anyOf become
//            nullable; a single remaining branch is merged into the schema
//            (Optional[T]).
//   dropped  $schema, $id, $comment, deprecated, readOnly, writeOnly, and
//            additionalProperties when it is a boolean (Gemini only produces
//            the declared properties).
//   refused  everything else ($ref, $defs, definitions, allOf, oneOf, not,
//            if/then/else, patternProperties, uniqueItems, multipleOf,
//            exclusiveMinimum/Maximum, prefixItems, contains, tuple "items",
//            additionalProperties as a schema (a map), non-string enums, a
//            type union of several non-null types, a schema with no type),
//            and an OBJECT with no properties below the top level (the API
//            answers "properties: should be non-empty for OBJECT type").
//
// Refusals are INVALID_ARGUMENT naming the keyword, where it is and the API.
namespace llmgw::gemini {

// Converts `schema` (a JSON object); `where` names it in errors, e.g.
// "tools[0].parameters".
absl::StatusOr<nlohmann::json> ToGeminiSchema(const nlohmann::json& schema,
                                              absl::string_view where);

// True when `schema` is an object schema without properties (or an empty
// schema): a function taking no arguments, whose `parameters` are left unset.
bool IsEmptyObjectSchema(const nlohmann::json& schema);

}  // namespace llmgw::gemini

#endif  // LLMGW_PROVIDERS_GEMINI_GEMINI_SCHEMA_H_
