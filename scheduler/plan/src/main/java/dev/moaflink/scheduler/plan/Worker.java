package dev.moaflink.scheduler.plan;

/**
 * A GPU (or CPU) worker models can be placed on: one Flink TaskManager slot-sharing group.
 *
 * @param id       unique name, e.g. {@code gpu-0}
 * @param type     worker type as named in cost profiles, e.g. {@code h100-80gb}
 * @param memoryMb memory available to model replicas (weights + KV budgets)
 */
public record Worker(String id, String type, long memoryMb) {

    public Worker {
        if (id == null || id.isBlank() || type == null || type.isBlank()) {
            throw new IllegalArgumentException("a worker needs an id and a type");
        }
        if (memoryMb <= 0) {
            throw new IllegalArgumentException("worker " + id + ": memory_mb must be positive, was " + memoryMb);
        }
    }
}
