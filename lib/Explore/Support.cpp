//===- Support.cpp - what the explorer's files share ----------------------===//
//
// Part of Tessera. See Support.h.
//
//===----------------------------------------------------------------------===//

#include "Support.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

std::string tessera::explore::formatShortest(double value) {
  char buffer[64];
  if (std::isfinite(value) && value == std::trunc(value) &&
      std::fabs(value) < 1e15) {
    std::snprintf(buffer, sizeof(buffer), "%.0f", value);
    return buffer;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value)
      break;
  }
  return buffer;
}
