package dev.moaflink.connectors.kafka.registry;

import dev.moaflink.connectors.kafka.AvroCodec;
import dev.moaflink.connectors.kafka.DecodeException;
import dev.moaflink.connectors.kafka.ValueDecoder;
import dev.moaflink.connectors.kafka.ValueEncoder;
import dev.moaflink.connectors.kafka.internal.MalformedPayloadException;
import dev.moaflink.connectors.kafka.internal.PayloadScanner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro in the Schema-Registry wire format that Confluent's serializers, Apicurio's Confluent-compatible mode,
 * Karapace and Flink's {@code avro-confluent} format share: the byte {@code 00}, the writer schema's registry id
 * (4 bytes, big-endian), then the binary record.
 *
 * <p>Reading fetches each writer schema by its id once (cached) and resolves it against the job's schema, so
 * records written with a compatible evolution (fields added with defaults, optional fields removed) decode. An id the
 * registry does not know, or a schema that cannot be read as the job's, is a {@link DecodeException} of its own kind
 * (a dead letter); such answers are remembered for {@value #NEGATIVE_TTL_MS} ms, so that a schema registered a moment
 * later is picked up. A registry that cannot be reached or refuses the job (e.g. wrong credentials) is not the
 * record's fault: it throws {@link RegistryUnavailableException}, the task fails and Flink replays from its last
 * checkpoint.
 *
 * <p>Writing registers the job's schema under the subject once, when the job is built (or only looks it up when
 * {@code auto.register.schemas} is false), and prefixes every record with its id.
 */
public final class RegistryAvroCodec<T extends SpecificRecord> implements ValueEncoder<T>, ValueDecoder<T> {
    private static final long serialVersionUID = 1L;
    static final byte MAGIC = 0;
    static final int HEADER_LENGTH = 5;
    static final long NEGATIVE_TTL_MS = 30_000;
    /** Remembered failures beyond this are forgotten: garbage ids must not grow the cache without end. */
    static final int MAX_FAILURES = 1024;

    private final Class<T> type;
    private final RegistrySettings settings;
    private final String subject;
    // Fetched when the job is built and serialized with the codec, so tasks write without calling the registry.
    private volatile Integer writerId;
    private transient volatile State<T> state;

    private RegistryAvroCodec(Class<T> type, RegistrySettings settings, String subject) {
        if (type == null || settings == null) {
            throw new IllegalArgumentException("a record type and registry settings are required");
        }
        this.type = type;
        this.settings = settings;
        this.subject = subject;
    }

    /** A codec that reads records of {@code type} written with any registered, compatible schema. */
    public static <T extends SpecificRecord> RegistryAvroCodec<T> reader(Class<T> type, RegistrySettings settings) {
        return new RegistryAvroCodec<>(type, settings, null);
    }

    /** A codec that writes (and reads) records of {@code type} under {@code subject}, e.g. {@link #topicSubject}. */
    public static <T extends SpecificRecord> RegistryAvroCodec<T> writer(Class<T> type, RegistrySettings settings,
                                                                        String subject) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("a subject is required to write");
        }
        return new RegistryAvroCodec<>(type, settings, subject);
    }

    /** The subject of a topic's record values under the registries' default naming: {@code <topic>-value}. */
    public static String topicSubject(String topic) {
        return topic + "-value";
    }

    /** The schema records are read into and written with. */
    public Schema schema() {
        return state().schema;
    }

    /**
     * The registry id records are written with, registering the schema (or looking it up) on first use. Called when
     * the job is built, so that a wrong URL, wrong credentials or a refused schema fail the submission rather than
     * the running job, and so that the id travels with the codec to the tasks.
     *
     * @throws RegistryUnavailableException when the registry cannot be reached, refuses the schema or lacks it
     */
    public int writerId() {
        Integer id = writerId;
        if (id == null) {
            if (subject == null) {
                throw new IllegalStateException("this codec only reads; create it with writer(..) to write");
            }
            State<T> s = state();
            try {
                id = settings.autoRegister() ? s.client.register(subject, s.schema.toString())
                        : s.client.lookup(subject, s.schema.toString());
            } catch (RegistryException e) {
                String hint = e.notFound() && !settings.autoRegister()
                        ? " (the schema is not registered under " + subject + " and auto.register.schemas is false)" : "";
                throw new RegistryUnavailableException("cannot get a schema id for " + type.getSimpleName()
                        + " under subject " + subject + ": " + e.getMessage() + hint, e);
            }
            writerId = id;
        }
        return id;
    }

    /**
     * Checks that the registry answers and accepts the credentials; called when the job is built, so that a reader
     * with a wrong URL or login fails the submission instead of every record.
     *
     * @throws RegistryUnavailableException when it does not
     */
    public void checkReachable() {
        try {
            state().client.ping();
        } catch (RegistryException e) {
            throw new RegistryUnavailableException("schema registry check failed: " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] encode(T record) {
        int id = writerId();
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        out.write(MAGIC);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        State<T> s = state();
        try {
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            s.writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    @Override
    public T decode(byte[] value) throws DecodeException {
        String name = type.getSimpleName();
        if (value == null || value.length == 0) {
            throw new DecodeException(DecodeException.Kind.EMPTY,
                    name + " payload is " + (value == null ? "null (a tombstone)" : "empty"));
        }
        if (value.length < HEADER_LENGTH || value[0] != MAGIC) {
            throw new DecodeException(DecodeException.Kind.MALFORMED_AVRO, "not a Schema-Registry framed " + name
                    + ": it does not start with the byte 00 and a 4-byte schema id");
        }
        int id = ((value[1] & 0xff) << 24) | ((value[2] & 0xff) << 16) | ((value[3] & 0xff) << 8) | (value[4] & 0xff);
        if (id < 0) {
            throw new DecodeException(DecodeException.Kind.MALFORMED_AVRO, "not a Schema-Registry framed " + name
                    + ": schema id " + Integer.toUnsignedString(id) + " is out of range");
        }
        Reading<T> reading = reading(id);
        try {
            // Avro allocates whatever a length prefix claims; check every length against the bytes first.
            PayloadScanner.scan(reading.writer, value, HEADER_LENGTH);
            return reading.reader.read(null, DecoderFactory.get().binaryDecoder(value, HEADER_LENGTH,
                    value.length - HEADER_LENGTH, null));
        } catch (MalformedPayloadException e) {
            throw new DecodeException(DecodeException.Kind.MALFORMED_AVRO, "malformed " + name + " (schema id " + id
                    + "): " + e.getMessage(), e);
        } catch (IOException | AvroRuntimeException e) {
            throw new DecodeException(DecodeException.Kind.MALFORMED_AVRO, "malformed " + name + " (schema id " + id
                    + "): " + e, e);
        }
    }

    /** The resolving reader for a writer schema id, from the cache or the registry. */
    private Reading<T> reading(int id) throws DecodeException {
        State<T> s = state();
        Reading<T> r = s.readings.get(id);
        if (r == null || (r.failure != null && System.currentTimeMillis() >= r.expiresAtMs)) {
            r = fetch(s, id);
            if (r.failure != null && s.readings.size() >= MAX_FAILURES) {
                s.readings.values().removeIf(x -> x.failure != null);
            }
            s.readings.put(id, r);
        }
        if (r.failure != null) {
            throw new DecodeException(r.failure.kind(), r.failure.getMessage());
        }
        return r;
    }

    private Reading<T> fetch(State<T> s, int id) {
        String name = type.getSimpleName();
        RegistryClient.RegisteredSchema registered;
        try {
            registered = s.client.schemaById(id);
        } catch (RegistryException e) {
            if (e.notFound() || e.status() == 400 || e.status() == 422) {
                return Reading.failed(DecodeException.Kind.UNKNOWN_SCHEMA, "the schema registry knows no schema id "
                        + id + " (" + e.getMessage() + ")");
            }
            // Down, misaddressed or refusing the job (credentials): no record's fault, so none is dead-lettered.
            throw new RegistryUnavailableException("cannot fetch schema id " + id + ": " + e.getMessage(), e);
        }
        if (!"AVRO".equalsIgnoreCase(registered.type())) {
            return Reading.failed(DecodeException.Kind.INCOMPATIBLE_SCHEMA, "schema id " + id + " is a "
                    + registered.type() + " schema, not Avro");
        }
        if (registered.hasReferences()) {
            return Reading.failed(DecodeException.Kind.INCOMPATIBLE_SCHEMA, "schema id " + id
                    + " uses schema references, which this job does not resolve; register the schema self-contained");
        }
        Schema writer;
        try {
            writer = new Schema.Parser().parse(registered.schema());
        } catch (AvroRuntimeException e) {
            return Reading.failed(DecodeException.Kind.INCOMPATIBLE_SCHEMA, "schema id " + id
                    + " is not a valid Avro schema: " + e.getMessage());
        }
        SchemaCompatibility.SchemaPairCompatibility c = SchemaCompatibility.checkReaderWriterCompatibility(s.schema, writer);
        if (c.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            return Reading.failed(DecodeException.Kind.INCOMPATIBLE_SCHEMA, "records written with schema id " + id
                    + " (" + writer.getFullName() + ") cannot be read as " + name + ": " + c.getDescription());
        }
        return new Reading<>(writer, new SpecificDatumReader<>(writer, s.schema, s.model), null, 0);
    }

    private State<T> state() {
        State<T> s = state;
        if (s == null) {
            synchronized (this) {
                s = state;
                if (s == null) {
                    s = new State<>(type, settings);
                    state = s;
                }
            }
        }
        return s;
    }

    /** A writer schema id's resolving reader, or why it has none (until {@code expiresAtMs}). */
    private record Reading<T>(Schema writer, SpecificDatumReader<T> reader, DecodeException failure, long expiresAtMs) {
        static <T> Reading<T> failed(DecodeException.Kind kind, String message) {
            return new Reading<>(null, null, new DecodeException(kind, message),
                    System.currentTimeMillis() + NEGATIVE_TTL_MS);
        }
    }

    /** What each task builds on first use: the client, the Avro model and the caches. */
    private static final class State<T extends SpecificRecord> {
        final RegistryClient client;
        final SpecificData model;
        final Schema schema;
        final SpecificDatumWriter<T> writer;
        final Map<Integer, Reading<T>> readings = new ConcurrentHashMap<>();

        State(Class<T> type, RegistrySettings settings) {
            client = new RegistryClient(settings);
            model = AvroCodec.model(type);
            schema = model.getSchema(type);
            writer = new SpecificDatumWriter<>(schema, model);
        }
    }
}
