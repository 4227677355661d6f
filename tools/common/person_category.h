// The names of supervised-person categories as operators write them (CSV
// imports, the policy table) and as reports print them: one table for all.
#ifndef GRIDSYNC_TOOLS_COMMON_PERSON_CATEGORY_H_
#define GRIDSYNC_TOOLS_COMMON_PERSON_CATEGORY_H_

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "gridsync/v1/records.pb.h"

namespace gridsync::tools {

struct PersonCategoryName {
  gridsync::v1::PersonCategory category;
  const char* word;     // the enum value's name without its prefix, lower case
  const char* chinese;  // as the work programmes name the group
};

inline constexpr PersonCategoryName kPersonCategories[] = {
    {gridsync::v1::PERSON_CATEGORY_SEVERE_MENTAL_DISORDER, "severe_mental_disorder",
     "严重精神障碍患者"},
    {gridsync::v1::PERSON_CATEGORY_COMMUNITY_CORRECTIONS, "community_corrections", "社区矫正对象"},
    {gridsync::v1::PERSON_CATEGORY_RELEASED_PRISONER, "released_prisoner", "刑满释放人员"},
    {gridsync::v1::PERSON_CATEGORY_DRUG_REHABILITATION, "drug_rehabilitation", "社区戒毒人员"},
    {gridsync::v1::PERSON_CATEGORY_ELDERLY_ALONE, "elderly_alone", "孤寡老人"},
    {gridsync::v1::PERSON_CATEGORY_LEFT_BEHIND_CHILD, "left_behind_child", "留守儿童"},
    {gridsync::v1::PERSON_CATEGORY_DISABLED, "disabled", "残疾人"},
    {gridsync::v1::PERSON_CATEGORY_FLOATING_POPULATION, "floating_population", "流动人口"},
    {gridsync::v1::PERSON_CATEGORY_IDLE_YOUTH, "idle_youth", "社会闲散人员"},
};

// Other names registers use for a category.
inline constexpr PersonCategoryName kPersonCategoryAliases[] = {
    {gridsync::v1::PERSON_CATEGORY_ELDERLY_ALONE, "elderly", "独居老人"},
    {gridsync::v1::PERSON_CATEGORY_IDLE_YOUTH, "idle", "闲散青少年"},
};

// The English word (any case) or the Chinese name of a category.
inline bool ParsePersonCategory(const std::string& name, gridsync::v1::PersonCategory* out) {
  const std::string lower = absl::AsciiStrToLower(name);
  auto find = [&](const auto& table) {
    for (const auto& c : table) {
      if (name == c.chinese || lower == c.word) {
        *out = c.category;
        return true;
      }
    }
    return false;
  };
  return find(kPersonCategories) || find(kPersonCategoryAliases);
}

// What ParsePersonCategory takes, for messages.
inline std::string PersonCategoryChoices() {
  std::vector<std::string> words;
  for (const auto& c : kPersonCategories) words.push_back(c.word);
  return absl::StrJoin(words, ", ") + " (or the Chinese names)";
}

inline const char* PersonCategoryWord(gridsync::v1::PersonCategory category) {
  for (const auto& c : kPersonCategories) {
    if (c.category == category) return c.word;
  }
  return "unspecified";
}

inline const char* PersonCategoryChinese(gridsync::v1::PersonCategory category) {
  for (const auto& c : kPersonCategories) {
    if (c.category == category) return c.chinese;
  }
  return "—";
}

}  // namespace gridsync::tools

#endif  // GRIDSYNC_TOOLS_COMMON_PERSON_CATEGORY_H_
