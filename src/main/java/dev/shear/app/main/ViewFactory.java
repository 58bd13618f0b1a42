package dev.shear.app.main;

import dev.shear.app.AppContext;
import dev.shear.app.common.View;
import dev.shear.app.guest.GuestView;
import dev.shear.app.guest.GuestViewModel;
import dev.shear.app.job.LiveJobView;
import dev.shear.app.jobs.JobsView;
import dev.shear.app.jobs.JobsViewModel;
import dev.shear.app.storage.StorageView;
import dev.shear.app.storage.StorageViewModel;
import dev.shear.app.archive.BackupsView;
import dev.shear.app.archive.BackupsViewModel;
import dev.shear.app.task.TasksView;
import dev.shear.app.task.TasksViewModel;

/// Makes the screen of a place: each feature's View with a new ViewModel (a live backup's model
/// lives on in the context, so its history survives looking elsewhere).
final class ViewFactory {
    private ViewFactory() {
    }

    static View create(NavItem item, MainViewModel main, AppContext ctx) {
        return switch (item) {
            case NavItem.Datacenter d -> new OverviewView(main, OverviewView.Part.ALL);
            case NavItem.Storages s -> new OverviewView(main, OverviewView.Part.STORAGES);
            case NavItem.Guests g -> new OverviewView(main, OverviewView.Part.GUESTS);
            case NavItem.Storage s -> new StorageView(new StorageViewModel(ctx, s.id()));
            case NavItem.Guest g -> new GuestView(new GuestViewModel(ctx, g.vmid()));
            case NavItem.Backups b -> new BackupsView(new BackupsViewModel(ctx));
            case NavItem.Jobs j -> new JobsView(new JobsViewModel(ctx, java.time.Clock.systemDefaultZone()));
            case NavItem.Tasks t -> new TasksView(new TasksViewModel(ctx));
            case NavItem.Live l -> new LiveJobView(ctx.liveModel(l.backup()));
        };
    }
}
