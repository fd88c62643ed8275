//===- Assembly.cpp - NPU text assembly printer and parser ----------------===//
//
// One instruction per line, `mnemonic field=value ... flag ...`, plus
// directives for the rest of a Program (docs/npu/isa.md, "Assembly syntax").
// The printer is canonical: print(parse(print(p))) == print(p), and
// parse(print(p)) == p for every valid program.
//
//===----------------------------------------------------------------------===//

#include "tessera/NPU/Program.h"

#include "ProgramDetail.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Format.h"

using namespace tessera::npu;
using llvm::Error;

//===----------------------------------------------------------------------===//
// Printer
//===----------------------------------------------------------------------===//

static void printName(llvm::raw_ostream &os, llvm::StringRef name) {
  os << '"';
  for (char c : name) {
    if (c == '"' || c == '\\')
      os << '\\';
    os << c;
  }
  os << '"';
}

/// Addresses print in hex, everything else in decimal.
static bool isAddressField(const FieldInfo &field) {
  return field.name.ends_with("_addr");
}

static void printInst(llvm::raw_ostream &os, const Inst &inst) {
  os << getOpcodeInfo(inst.op).mnemonic;
  for (const FieldInfo &field : getFields(inst.op)) {
    int64_t value = inst.*field.member;
    // A version-2 flag that is off is left out, so that version-1 programs
    // print as they always did (a field left out parses as 0).
    if (field.version >= 2 && field.kind == FieldKind::B && value == 0)
      continue;
    os << ' ' << field.name << '=';
    switch (field.kind) {
    case FieldKind::Mem:
      os << getMemName(Mem(value));
      break;
    case FieldKind::VFunc:
      os << getVecFuncName(VecFunc(value));
      break;
    case FieldKind::U:
      if (isAddressField(field)) {
        os << llvm::format_hex(uint64_t(value), 0);
        break;
      }
      [[fallthrough]];
    case FieldKind::S:
    case FieldKind::B:
      os << value;
      break;
    }
  }
  for (DepFlag flag : kDepFlags)
    if (inst.deps & flag)
      os << ' ' << getDepFlagName(flag);
  os << '\n';
}

/// Whether the layers can be written as .layer/.endlayer markers around their
/// instructions: in order, each a range, none overlapping the previous one.
static bool canPrintLayerMarkers(llvm::ArrayRef<LayerRange> layers) {
  uint32_t previousEnd = 0;
  for (const LayerRange &layer : layers) {
    if (layer.begin > layer.end || layer.begin < previousEnd)
      return false;
    previousEnd = layer.end;
  }
  return true;
}

static constexpr unsigned kDataBytesPerLine = 32;

void tessera::npu::printAssembly(const Program &program,
                                 llvm::raw_ostream &os) {
  os << "# Tessera NPU assembly (docs/npu/isa.md)\n";
  os << ".hw_hash " << llvm::format_hex(program.hwHash, 0) << '\n';
  os << ".dram_bytes " << program.dramBytes << '\n';
  os << ".constants_addr " << llvm::format_hex(program.constantsAddr, 0)
     << '\n';
  for (const TensorDesc &tensor : program.tensors) {
    os << ".tensor " << (tensor.kind == TensorKind::Input ? "input" : "output")
       << ' ';
    printName(os, tensor.name);
    os << ' ' << getElemTypeName(tensor.type) << " [";
    llvm::interleave(tensor.shape, os, ", ");
    os << "] @ " << llvm::format_hex(tensor.dramAddr, 0) << '\n';
  }

  bool markers = canPrintLayerMarkers(program.layers);
  if (!markers) {
    for (const LayerRange &layer : program.layers) {
      os << ".layer ";
      printName(os, layer.name);
      os << ' ' << layer.begin << ' ' << layer.end << '\n';
    }
  }

  size_t nextLayer = 0;
  const LayerRange *open = nullptr;
  auto printMarkers = [&](size_t position) {
    if (!markers)
      return;
    if (open && open->end == position) {
      os << ".endlayer\n";
      open = nullptr;
    }
    while (!open && nextLayer < program.layers.size() &&
           program.layers[nextLayer].begin == position) {
      open = &program.layers[nextLayer++];
      os << ".layer ";
      printName(os, open->name);
      os << '\n';
      if (open->end == position) {
        os << ".endlayer\n";
        open = nullptr;
      }
    }
  };
  for (size_t i = 0; i < program.insts.size(); ++i) {
    printMarkers(i);
    printInst(os, program.insts[i]);
  }
  printMarkers(program.insts.size());

  for (size_t i = 0; i < program.constants.size(); i += kDataBytesPerLine) {
    os << ".data ";
    size_t end = std::min(program.constants.size(), i + kDataBytesPerLine);
    for (size_t j = i; j < end; ++j)
      os << llvm::format_hex_no_prefix(program.constants[j], 2);
    os << '\n';
  }
}

//===----------------------------------------------------------------------===//
// Lexer
//===----------------------------------------------------------------------===//

namespace {
struct Token {
  enum Kind { Ident, Number, String, Punct, End } kind = End;
  llvm::StringRef text; ///< the token as written (strings with quotes)
  unsigned col = 0;     ///< 1-based
};

/// One line of assembly, split into tokens up to its comment.
class LineLexer {
public:
  LineLexer(llvm::StringRef line) : line(line) {}

  /// The next token, or an error message with its column.
  bool next(Token &token, std::string &message, unsigned &col) {
    while (pos < line.size() &&
           (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r'))
      ++pos;
    token = Token();
    token.col = pos + 1;
    if (pos >= line.size() || line[pos] == '#')
      return true;
    char c = line[pos];
    size_t start = pos;
    if (llvm::isAlpha(c) || c == '_' || c == '.') {
      while (pos < line.size() &&
             (llvm::isAlnum(line[pos]) || line[pos] == '_' || line[pos] == '.'))
        ++pos;
      token.kind = Token::Ident;
    } else if (llvm::isDigit(c) || c == '-') {
      ++pos;
      while (pos < line.size() && llvm::isAlnum(line[pos]))
        ++pos;
      token.kind = Token::Number;
    } else if (c == '"') {
      ++pos;
      while (pos < line.size() && line[pos] != '"') {
        if (line[pos] == '\\')
          ++pos;
        ++pos;
      }
      if (pos >= line.size()) {
        message = "unterminated string";
        col = start + 1;
        return false;
      }
      ++pos;
      token.kind = Token::String;
    } else if (c == '=' || c == '[' || c == ']' || c == ',' || c == '@') {
      ++pos;
      token.kind = Token::Punct;
    } else {
      if (llvm::isPrint(c))
        message = std::string("unexpected character '") + c + "'";
      else
        message = "unexpected byte 0x" + llvm::utohexstr(uint8_t(c), true, 2) +
                  " (NPU assembly is text)";
      col = start + 1;
      return false;
    }
    token.text = line.slice(start, pos);
    return true;
  }

private:
  llvm::StringRef line;
  size_t pos = 0;
};

/// A number as written: an optional '-', then decimal digits or 0x and hex
/// digits (no octal: a leading 0 is decimal).
struct ParsedNumber {
  bool negative = false;
  uint64_t magnitude = 0;
};

std::optional<ParsedNumber> parseNumber(llvm::StringRef text,
                                        std::string &message) {
  ParsedNumber number;
  llvm::StringRef digits = text;
  if (digits.consume_front("-"))
    number.negative = true;
  unsigned radix = 10;
  if (digits.consume_front("0x") || digits.consume_front("0X"))
    radix = 16;
  if (digits.empty()) {
    message = "invalid number '" + text.str() + "'";
    return std::nullopt;
  }
  for (char c : digits) {
    unsigned digit;
    if (llvm::isDigit(c))
      digit = c - '0';
    else if (radix == 16 && llvm::isHexDigit(c))
      digit = llvm::hexDigitValue(c);
    else {
      message = "invalid number '" + text.str() + "'";
      return std::nullopt;
    }
    if (number.magnitude > (UINT64_MAX - digit) / radix) {
      message = "number '" + text.str() + "' does not fit in 64 bits";
      return std::nullopt;
    }
    number.magnitude = number.magnitude * radix + digit;
  }
  return number;
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

class Parser {
public:
  Parser(llvm::StringRef text, llvm::StringRef bufferName)
      : text(text), bufferName(bufferName) {}

  llvm::Expected<Program> parse();

private:
  Error error(unsigned line, unsigned col, const llvm::Twine &message) {
    return detail::makeError(bufferName + ":" + llvm::Twine(line) + ":" +
                             llvm::Twine(col) + ": error: " + message);
  }
  Error error(const Token &token, const llvm::Twine &message) {
    return error(lineNo, token.col, message);
  }
  /// Reads all tokens of the current line.
  Error tokenize(llvm::StringRef line);

  const Token &peek() const { return tokens[cursor]; }
  const Token &take() {
    return tokens[cursor < tokens.size() - 1 ? cursor++ : cursor];
  }
  bool atEnd() const { return peek().kind == Token::End; }
  Error expectEnd() {
    if (atEnd())
      return Error::success();
    return error(peek(), "unexpected '" + peek().text + "' at end of line");
  }
  Error expectPunct(llvm::StringRef punct, llvm::StringRef context) {
    const Token &token = peek();
    if (token.kind == Token::Punct && token.text == punct) {
      take();
      return Error::success();
    }
    return error(token, "expected '" + punct + "' " + context);
  }
  llvm::Expected<uint64_t> parseUnsigned(llvm::StringRef what);
  llvm::Expected<std::string> parseName(llvm::StringRef what);

  Error parseInstruction();
  Error parseDirective();
  Error parseTensor();
  Error parseData();
  Error parseLayer();
  Error finish();

  llvm::StringRef text;
  llvm::StringRef bufferName;
  unsigned lineNo = 0;
  llvm::SmallVector<Token, 32> tokens;
  size_t cursor = 0;

  Program program;
  std::vector<unsigned> instLines;
  std::vector<unsigned> tensorLines;
  /// Line of each layer, and whether it was written with explicit bounds.
  std::vector<std::pair<unsigned, bool>> layerLines;
  std::optional<size_t> openLayer;
  llvm::StringMap<unsigned> directiveLines; ///< of the once-only directives
  unsigned firstDataLine = 0;
  llvm::StringSet<> tensorNames;
};
} // namespace

Error Parser::tokenize(llvm::StringRef line) {
  tokens.clear();
  cursor = 0;
  LineLexer lexer(line);
  while (true) {
    Token token;
    std::string message;
    unsigned col = 0;
    if (!lexer.next(token, message, col))
      return error(lineNo, col, message);
    tokens.push_back(token);
    if (token.kind == Token::End)
      return Error::success();
  }
}

llvm::Expected<uint64_t> Parser::parseUnsigned(llvm::StringRef what) {
  const Token &token = peek();
  if (token.kind != Token::Number)
    return error(token, "expected a number for " + what);
  std::string message;
  std::optional<ParsedNumber> number = parseNumber(token.text, message);
  if (!number)
    return error(token, message);
  if (number->negative && number->magnitude)
    return error(token, what + " must not be negative");
  take();
  return number->magnitude;
}

llvm::Expected<std::string> Parser::parseName(llvm::StringRef what) {
  const Token &token = peek();
  std::string name;
  if (token.kind == Token::Ident) {
    name = token.text.str();
  } else if (token.kind == Token::String) {
    llvm::StringRef body = token.text.drop_front().drop_back();
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '\\') {
        ++i;
        if (body[i] != '"' && body[i] != '\\')
          return error(lineNo, token.col + i, // at the backslash
                       "unknown escape '\\" + body.substr(i, 1) +
                           "' (only \\\" and \\\\)");
      }
      name += body[i];
    }
  } else {
    return error(token, "expected a quoted " + what);
  }
  if (Error err = detail::verifyName(name))
    return error(token, what + ": " + llvm::toString(std::move(err)));
  take();
  return name;
}

Error Parser::parseInstruction() {
  const Token &mnemonic = take();
  unsigned instCol = mnemonic.col;
  const OpcodeInfo *info = lookupOpcode(mnemonic.text);
  if (!info)
    return error(mnemonic, "unknown mnemonic '" + mnemonic.text + "'");
  Inst inst;
  inst.op = info->op;
  llvm::ArrayRef<FieldInfo> fields = getFields(info->op);
  llvm::SmallVector<bool, 16> seen(fields.size(), false);
  uint8_t allowedFlags = getAllowedDepFlags(info->queue);

  while (!atEnd()) {
    const Token &name = take();
    if (name.kind != Token::Ident)
      return error(name,
                   "expected a field=value or a flag, got '" + name.text + "'");
    // A bare word is a dependency flag.
    if (peek().kind != Token::Punct || peek().text != "=") {
      std::optional<DepFlag> flag;
      for (DepFlag candidate : kDepFlags)
        if (getDepFlagName(candidate) == name.text)
          flag = candidate;
      if (!flag) {
        bool isField = llvm::any_of(
            fields, [&](const FieldInfo &f) { return f.name == name.text; });
        if (isField)
          return error(name, "expected '=' and a value after field '" +
                                 name.text + "'");
        return error(name, "unknown flag '" + name.text +
                               "' (flags: pop_prev pop_next push_prev "
                               "push_next)");
      }
      if (!(allowedFlags & *flag)) {
        std::string allowed;
        for (DepFlag candidate : kDepFlags)
          if (allowedFlags & candidate)
            allowed += " " + getDepFlagName(candidate).str();
        return error(
            name, "flag '" + name.text + "' is not allowed on the " +
                      getQueueName(info->queue) + " queue (" + info->mnemonic +
                      " allows" +
                      (allowed.empty() ? std::string(" none") : ":" + allowed) +
                      ")");
      }
      if (inst.deps & *flag)
        return error(name, "duplicated flag '" + name.text + "'");
      inst.deps |= *flag;
      continue;
    }
    take(); // '='
    const FieldInfo *field = nullptr;
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].name != name.text)
        continue;
      field = &fields[i];
      if (seen[i])
        return error(name, "duplicated field '" + name.text + "'");
      seen[i] = true;
    }
    if (!field) {
      std::string names;
      for (const FieldInfo &f : fields)
        names += " " + f.name.str();
      return error(name, "unknown field '" + name.text + "' for " +
                             info->mnemonic + " (fields:" +
                             (names.empty() ? std::string(" none") : names) +
                             ")");
    }
    const Token &value = peek();
    if (value.kind == Token::End)
      return error(value, "expected a value for field '" + name.text + "'");
    if (field->kind == FieldKind::Mem || field->kind == FieldKind::VFunc) {
      std::optional<int64_t> parsed;
      if (value.kind == Token::Ident) {
        if (field->kind == FieldKind::Mem && value.text == "sp")
          parsed = int64_t(Mem::Scratchpad);
        else if (field->kind == FieldKind::Mem && value.text == "acc")
          parsed = int64_t(Mem::Accumulator);
        else if (field->kind == FieldKind::VFunc)
          if (std::optional<VecFunc> func = parseVecFunc(value.text))
            parsed = int64_t(*func);
      }
      if (!parsed) {
        std::string expected = "sp or acc";
        if (field->kind == FieldKind::VFunc) {
          expected.clear();
          for (unsigned i = 0; i < kNumVecFuncs; ++i)
            expected += (i == 0                  ? ""
                         : i + 1 == kNumVecFuncs ? " or "
                                                 : ", ") +
                        getVecFuncName(VecFunc(i)).str();
        }
        return error(value, "expected " + expected + " for field '" +
                                name.text + "', got '" + value.text + "'");
      }
      inst.*field->member = *parsed;
      take();
      continue;
    }
    if (value.kind != Token::Number)
      return error(value, "expected a number for field '" + name.text +
                              "', got '" + value.text + "'");
    std::string message;
    std::optional<ParsedNumber> number = parseNumber(value.text, message);
    if (!number)
      return error(value, message);
    int64_t lo = fieldMin(*field), hi = fieldMax(*field);
    bool inRange = number->negative ? number->magnitude <= uint64_t(-lo)
                                    : number->magnitude <= uint64_t(hi);
    if (!inRange)
      return error(value, "value " + value.text + " of field '" + name.text +
                              "' out of range [" + llvm::Twine(lo) + ", " +
                              llvm::Twine(hi) + "]");
    inst.*field->member = number->negative ? -int64_t(number->magnitude)
                                           : int64_t(number->magnitude);
    take();
  }
  if (Error err = verifyInst(inst))
    return error(lineNo, instCol, llvm::toString(std::move(err)));
  program.insts.push_back(inst);
  instLines.push_back(lineNo);
  return Error::success();
}

Error Parser::parseTensor() {
  const Token &kindToken = take();
  TensorDesc tensor;
  if (kindToken.kind == Token::Ident && kindToken.text == "input")
    tensor.kind = TensorKind::Input;
  else if (kindToken.kind == Token::Ident && kindToken.text == "output")
    tensor.kind = TensorKind::Output;
  else
    return error(kindToken, "expected input or output after .tensor");
  const Token &nameToken = peek();
  llvm::Expected<std::string> name = parseName("tensor name");
  if (!name)
    return name.takeError();
  tensor.name = std::move(*name);
  if (!tensorNames.insert(tensor.name).second)
    return error(nameToken, "tensor '" + tensor.name + "' is declared twice");
  const Token &typeToken = take();
  if (typeToken.text == "i8")
    tensor.type = ElemType::I8;
  else if (typeToken.text == "i32")
    tensor.type = ElemType::I32;
  else if (typeToken.text == "bf16")
    tensor.type = ElemType::BF16;
  else
    return error(typeToken,
                 "expected an element type (i8, i32 or bf16), got '" +
                     typeToken.text + "'");
  if (Error err = expectPunct("[", "before the shape"))
    return err;
  while (!(peek().kind == Token::Punct && peek().text == "]")) {
    if (!tensor.shape.empty())
      if (Error err = expectPunct(",", "between dimensions"))
        return err;
    const Token &dimToken = peek();
    llvm::Expected<uint64_t> dim = parseUnsigned("a dimension");
    if (!dim)
      return dim.takeError();
    if (*dim < 1)
      return error(dimToken,
                   "dimension " + dimToken.text + " is not at least 1");
    if (*dim > uint64_t(INT64_MAX))
      return error(dimToken, "dimension " + dimToken.text +
                                 " does not fit in a signed 64-bit integer");
    tensor.shape.push_back(int64_t(*dim));
  }
  take(); // ']'
  if (Error err = expectPunct("@", "before the DRAM address"))
    return err;
  llvm::Expected<uint64_t> addr = parseUnsigned("the DRAM address");
  if (!addr)
    return addr.takeError();
  tensor.dramAddr = *addr;
  if (Error err = expectEnd())
    return err;
  program.tensors.push_back(std::move(tensor));
  tensorLines.push_back(lineNo);
  return Error::success();
}

Error Parser::parseData() {
  const Token &token = peek();
  // Hex runs may lex as one identifier ("ff00") or as a number ("00ff"), or
  // as several tokens if split by spaces; accept any sequence of them.
  if (atEnd())
    return error(token, "expected hex bytes after .data");
  if (!firstDataLine)
    firstDataLine = lineNo;
  while (!atEnd()) {
    const Token &run = take();
    if (run.kind != Token::Ident && run.kind != Token::Number)
      return error(run, "expected hex bytes, got '" + run.text + "'");
    for (size_t i = 0; i < run.text.size(); ++i)
      if (!llvm::isHexDigit(run.text[i]))
        return error(lineNo, run.col + i,
                     "invalid hex digit '" + run.text.substr(i, 1) + "'");
    if (run.text.size() % 2)
      return error(run, "odd number of hex digits");
    for (size_t i = 0; i < run.text.size(); i += 2)
      program.constants.push_back(
          uint8_t(llvm::hexDigitValue(run.text[i]) * 16 +
                  llvm::hexDigitValue(run.text[i + 1])));
  }
  return Error::success();
}

Error Parser::parseLayer() {
  const Token &directive = tokens[cursor - 1];
  if (openLayer)
    return error(directive, "layer '" + program.layers[*openLayer].name +
                                "' is still open (close it with .endlayer)");
  LayerRange layer;
  llvm::Expected<std::string> name = parseName("layer name");
  if (!name)
    return name.takeError();
  layer.name = std::move(*name);
  bool explicitRange = !atEnd();
  if (explicitRange) {
    const Token &beginToken = peek();
    llvm::Expected<uint64_t> begin = parseUnsigned("the first instruction");
    if (!begin)
      return begin.takeError();
    const Token &endToken = peek();
    llvm::Expected<uint64_t> end = parseUnsigned("the end instruction");
    if (!end)
      return end.takeError();
    if (*begin > UINT32_MAX)
      return error(beginToken, "instruction index out of range");
    if (*end > UINT32_MAX)
      return error(endToken, "instruction index out of range");
    layer.begin = uint32_t(*begin);
    layer.end = uint32_t(*end);
    if (Error err = expectEnd())
      return err;
  } else {
    layer.begin = layer.end = uint32_t(program.insts.size());
    openLayer = program.layers.size();
  }
  program.layers.push_back(std::move(layer));
  layerLines.push_back({lineNo, explicitRange});
  return Error::success();
}

Error Parser::parseDirective() {
  const Token &directive = take();
  llvm::StringRef name = directive.text;
  if (name == ".hw_hash" || name == ".dram_bytes" ||
      name == ".constants_addr") {
    auto [it, inserted] = directiveLines.try_emplace(name, lineNo);
    if (!inserted)
      return error(directive, "duplicated " + name + " (first on line " +
                                  llvm::Twine(it->second) + ")");
    llvm::Expected<uint64_t> value = parseUnsigned(name.drop_front());
    if (!value)
      return value.takeError();
    if (name == ".hw_hash")
      program.hwHash = *value;
    else if (name == ".dram_bytes")
      program.dramBytes = *value;
    else
      program.constantsAddr = *value;
    return expectEnd();
  }
  if (name == ".tensor")
    return parseTensor();
  if (name == ".data")
    return parseData();
  if (name == ".layer")
    return parseLayer();
  if (name == ".endlayer") {
    if (!openLayer)
      return error(directive, ".endlayer without an open .layer");
    program.layers[*openLayer].end = uint32_t(program.insts.size());
    openLayer.reset();
    return expectEnd();
  }
  return error(directive, "unknown directive '" + name +
                              "' (directives: .hw_hash .dram_bytes "
                              ".constants_addr .tensor .data .layer "
                              ".endlayer)");
}

/// Whole-program rules, each reported at the line that caused it.
Error Parser::finish() {
  if (openLayer)
    return error(layerLines[*openLayer].first, 1,
                 "layer '" + program.layers[*openLayer].name +
                     "' is not closed by .endlayer");
  if (program.insts.empty())
    return error(lineNo ? lineNo : 1, 1,
                 "program has no instructions (it must end with finish)");
  for (size_t i = 0; i + 1 < program.insts.size(); ++i)
    if (program.insts[i].op == Opcode::Finish)
      return error(instLines[i], 1,
                   "finish before the end of the program (only the last "
                   "instruction may be finish)");
  if (program.insts.back().op != Opcode::Finish)
    return error(instLines.back(), 1, "program does not end with finish");
  if (Error err = detail::verifyConstants(
          program.constantsAddr, program.constants.size(), program.dramBytes)) {
    unsigned line = firstDataLine;
    if (!line)
      line = directiveLines.lookup(".constants_addr");
    return error(line ? line : 1, 1, llvm::toString(std::move(err)));
  }
  for (size_t i = 0; i < program.tensors.size(); ++i)
    if (Error err = detail::verifyTensor(program.tensors[i], program.dramBytes))
      return error(tensorLines[i], 1, llvm::toString(std::move(err)));
  for (size_t i = 0; i < program.layers.size(); ++i)
    if (Error err =
            detail::verifyLayer(program.layers[i], program.insts.size()))
      return error(layerLines[i].first, 1, llvm::toString(std::move(err)));
  int culprit = -1;
  if (Error err = detail::verifyDisjoint(program, &culprit))
    return error(culprit >= 0 ? tensorLines[culprit] : 1, 1,
                 llvm::toString(std::move(err)));
  // Backstop: everything verifyProgram checks has been checked above with a
  // location.
  if (Error err = verifyProgram(program))
    return error(1, 1, llvm::toString(std::move(err)));
  return Error::success();
}

llvm::Expected<Program> Parser::parse() {
  llvm::StringRef rest = text;
  while (!rest.empty()) {
    llvm::StringRef line;
    std::tie(line, rest) = rest.split('\n');
    ++lineNo;
    if (Error err = tokenize(line))
      return std::move(err);
    if (atEnd())
      continue;
    const Token &first = peek();
    if (first.kind != Token::Ident)
      return error(first, "expected a mnemonic or a directive, got '" +
                              first.text + "'");
    Error err =
        first.text.starts_with(".") ? parseDirective() : parseInstruction();
    if (err)
      return std::move(err);
  }
  if (Error err = finish())
    return std::move(err);
  return std::move(program);
}

llvm::Expected<Program>
tessera::npu::parseAssembly(llvm::StringRef text, llvm::StringRef bufferName) {
  return Parser(text, bufferName).parse();
}
