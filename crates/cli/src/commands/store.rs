//! `assetrelay store migrate|status`: apply the store's migrations, or show what is
//! applied, what is pending and how many rows each table holds (`[store] url`).

use assetrelay_config::Config;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Apply every pending migration (idempotent; safe while replicas run).
    Migrate,
    /// Print the backend, applied and pending migrations, and rows per table.
    Status,
}

pub async fn run(args: Args, config: Config) -> anyhow::Result<()> {
    // Both commands decide themselves whether to migrate: `status` must show what is
    // pending, not apply it.
    let store = super::open_store(&config).await?;
    let url = &config.store.url;
    match args.command {
        Command::Migrate => {
            let before = store.status().await?.pending.len();
            store.migrate().await?;
            println!(
                "store {url} ({}): {before} migration(s) applied, none pending",
                store.backend_name()
            );
        }
        Command::Status => {
            let status = store.status().await?;
            println!("store {url} ({})", status.backend);
            let mut table = comfy_table::Table::new();
            table
                .load_preset(comfy_table::presets::NOTHING)
                .set_header(["migration", "description", "state"]);
            for m in &status.applied {
                table.add_row([
                    m.version.to_string(),
                    m.description.clone(),
                    "applied".into(),
                ]);
            }
            for m in &status.pending {
                table.add_row([
                    m.version.to_string(),
                    m.description.clone(),
                    "PENDING".into(),
                ]);
            }
            println!("{table}");
            if status.pending.is_empty() {
                let mut rows = comfy_table::Table::new();
                rows.load_preset(comfy_table::presets::NOTHING)
                    .set_header(["table", "rows"]);
                for (name, count) in &status.rows {
                    rows.add_row([name.to_string(), count.to_string()]);
                }
                println!("{rows}");
            } else {
                println!(
                    "{} migration(s) pending: run `assetrelay store migrate` (or start a binary with [store] migrate_on_start = true)",
                    status.pending.len()
                );
            }
        }
    }
    Ok(())
}
