package dev.moaflink.job.backchannel;

import java.io.Serializable;

/**
 * Opens a job run's {@link Backchannel}. Operators are built with one (it travels with them in the job graph) and
 * open their channel in {@code open()}; tests pass a factory of their own to watch or drive the channel.
 */
@FunctionalInterface
public interface BackchannelFactory extends Serializable {

    Backchannel open(BackchannelContext context);
}
