package dev.shear.datacenter;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.shear.block.ImageFormat;
import java.util.function.Function;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.shear.util.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Collectors;

/// Reads and writes the datacenter's JSON files (one record per file).
///
/// Every file is a JSON object whose first field is `"schema": 1`; the other fields are the
/// record's components. Reading is strict, and anything doubtful is a [ConfigException] naming the
/// file and the problem: invalid JSON, trailing text, duplicate keys, a missing `schema` or one
/// this Shear does not know, a missing required field, a value of the wrong type (no coercion of
/// `"100"` to a number or `1.5` to an integer), a value the record refuses, and **unknown fields**
/// — refused rather than tolerated, because rewriting the file would silently drop them (a typo
/// like `"disacrd": false` would be lost instead of reported).
///
/// Writes are atomic ([AtomicFiles#write]); [#replace] refuses to overwrite a file it cannot read.
/// Callers hold the lock that guards the file.
public final class ConfigFiles {
    /// The schema version this Shear reads and writes.
    static final int SCHEMA = 1;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .addModule(valuesAsText())
            // only record components are fields: `isAlive()` and friends are behaviour, not data
            .visibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private ConfigFiles() {
    }

    /// Image formats as their ids (`"qcow2"`) and paths as plain strings (`"/srv/images"`, not a URI).
    private static SimpleModule valuesAsText() {
        SimpleModule m = new SimpleModule("shear-datacenter");
        m.addSerializer(ImageFormat.class, new StdSerializer<>(ImageFormat.class) {
            @Override
            public void serialize(ImageFormat f, JsonGenerator gen, SerializerProvider p) throws IOException {
                gen.writeString(f.id());
            }
        });
        m.addDeserializer(ImageFormat.class, new FromText<>(ImageFormat.class, ImageFormat::parse));
        m.addSerializer(Path.class, new ToStringSerializer(Path.class));
        m.addDeserializer(Path.class, new FromText<>(Path.class, Path::of));
        return m;
    }

    /// Reads a value from a JSON string with `parse`, whose [IllegalArgumentException] becomes the
    /// problem reported for the field.
    private static final class FromText<T> extends StdDeserializer<T> {
        private final Class<T> type;
        private final Function<String, T> parse;

        FromText(Class<T> type, Function<String, T> parse) {
            super(type);
            this.type = type;
            this.parse = parse;
        }

        @Override
        public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (!p.hasToken(JsonToken.VALUE_STRING)) {
                return type.cast(ctxt.handleUnexpectedToken(type, p));
            }
            try {
                return parse.apply(p.getText());
            } catch (IllegalArgumentException e) {
                InvalidFormatException bad = InvalidFormatException.from(p, e.getMessage(), p.getText(), handledType());
                bad.initCause(e);
                throw bad;
            }
        }
    }

    /// Reads `file` as a `type`.
    ///
    /// @throws NoSuchFileException when it does not exist
    /// @throws ConfigException     when it exists but cannot be used
    public static <T> T read(Path file, Class<T> type) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length == 0) {
            throw new ConfigException(file, "the file is empty");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw new ConfigException(file, "not valid JSON: " + e.getOriginalMessage() + at(e.getLocation()), e);
        }
        if (!(tree instanceof ObjectNode object)) {
            throw new ConfigException(file, "expected a JSON object, found " + tree.getNodeType().name().toLowerCase());
        }
        checkSchema(file, object.remove("schema"));
        try {
            return MAPPER.treeToValue(object, type);
        } catch (JsonMappingException e) {
            throw new ConfigException(file, describe(e), e);
        } catch (JacksonException e) {
            throw new ConfigException(file, e.getOriginalMessage(), e);
        }
    }

    /// Like [#read], but empty when the file does not exist.
    public static <T> Optional<T> readIfExists(Path file, Class<T> type) throws IOException {
        try {
            return Optional.of(read(file, type));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /// Writes a new file; fails with [FileAlreadyExistsException] when there is one.
    public static void create(Path file, Object value) throws IOException {
        if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(file.toString(), null, "already exists");
        }
        AtomicFiles.write(file, serialize(value));
    }

    /// Replaces `file` (or creates it) with `value`, after checking that the file there now is a
    /// readable `type`: a corrupt file is never overwritten.
    public static <T> void replace(Path file, T value, Class<T> type) throws IOException {
        try {
            readIfExists(file, type);
        } catch (ConfigException e) {
            throw new ConfigException(file, "refusing to overwrite a file Shear cannot read (" + e.problem()
                    + "); fix or remove it by hand", e);
        }
        AtomicFiles.write(file, serialize(value));
    }

    /// The bytes written for `value`: `schema` first, then its fields, indented, newline at the end.
    public static byte[] serialize(Object value) throws IOException {
        ObjectNode out = MAPPER.createObjectNode();
        out.put("schema", SCHEMA);
        out.setAll((ObjectNode) MAPPER.valueToTree(value));
        return (MAPPER.writeValueAsString(out) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void checkSchema(Path file, JsonNode schema) throws ConfigException {
        if (schema == null) {
            throw new ConfigException(file, "missing field 'schema' (the format version; this Shear writes "
                    + SCHEMA + ")");
        }
        if (!schema.isIntegralNumber() || !schema.canConvertToInt()) {
            throw new ConfigException(file, "field 'schema' must be an integer, found " + schema);
        }
        int v = schema.intValue();
        if (v > SCHEMA) {
            throw new ConfigException(file, "written by a newer Shear (schema " + v + "); this Shear reads schema "
                    + SCHEMA + " — upgrade Shear");
        }
        if (v != SCHEMA) {
            throw new ConfigException(file, "unknown schema version " + v + " (this Shear reads schema " + SCHEMA + ")");
        }
    }

    /// "field 'disks[0].size': <problem>" from Jackson's exception, in a user's words.
    private static String describe(JsonMappingException e) throws IOException {
        String field = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? "." + r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining()).replaceFirst("^\\.", "");
        String problem;
        if (e instanceof UnrecognizedPropertyException u) {
            problem = "unknown field '" + u.getPropertyName() + "' (known: "
                    + u.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", "))
                    + ")";
            field = field.contains(".") ? field.substring(0, field.lastIndexOf('.')) : "";
        } else if ((e instanceof ValueInstantiationException || e instanceof InvalidFormatException)
                && e.getCause() instanceof IllegalArgumentException iae) {
            problem = iae.getMessage();
        } else if (e.getOriginalMessage().startsWith("Missing required creator property")) {
            problem = "missing required field";
        } else if (e instanceof MismatchedInputException m && m.getTargetType() != null
                && m.getProcessor() instanceof JsonParser p && p.currentToken() != null) {
            problem = "expected " + expected(m.getTargetType()) + ", found " + found(p);
        } else {
            problem = e.getOriginalMessage();
        }
        return field.isEmpty() ? problem : "field '" + field + "': " + problem;
    }

    /// What a JSON value for Java type `t` looks like, in a user's words.
    private static String expected(Class<?> t) {
        if (t == int.class || t == long.class || t == Integer.class || t == Long.class) {
            return "an integer";
        }
        if (t == boolean.class || t == Boolean.class) {
            return "true or false";
        }
        if (java.util.Collection.class.isAssignableFrom(t)) {
            return "a list";
        }
        if (t.isRecord()) {
            return "an object";
        }
        return "a string";
    }

    private static String found(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        String text = p.getText();
        return switch (t) {
            case VALUE_NULL -> "null";
            case VALUE_STRING -> "the string \"" + text + "\"";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + text;
            case VALUE_TRUE, VALUE_FALSE -> text;
            case START_ARRAY -> "a list";
            case START_OBJECT -> "an object";
            default -> t.asString() == null ? t.name().toLowerCase() : t.asString();
        };
    }

    private static String at(JsonLocation loc) {
        return loc == null || loc.getLineNr() < 0 ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    }
}
